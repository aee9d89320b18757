// Browser mode's door, @oidc-session/angular/browser: the tokens in the tab. An app that does not
// import this entry point ships none of its code (nor angular-oauth2-oidc, nor dpop).
export { withBrowserMode } from './with-browser-mode';
export type { BrowserAuthConfig, DpopSetting } from './browser-config';

// Internals for this package's own specs and testing kit (@oidc-session/angular/testing): the
// mode's seams the kit replaces. Not API, no semver promise.
export { BROWSER_CONFIG_RULES as ɵBROWSER_CONFIG_RULES } from './browser-config-rules';
export {
  type CompletedLogin as ɵCompletedLogin,
  OidcClient as ɵOidcClient,
  type ProviderMetadata as ɵProviderMetadata,
} from './sign-in/oidc-client';
export { PROVIDER_METADATA_SEED as ɵPROVIDER_METADATA_SEED } from './provider/provider-metadata-seed';
export { TokenEndpoint as ɵTokenEndpoint } from './provider/token-endpoint';
export {
  type BrowserCredentials as ɵBrowserCredentials,
  tokensOf as ɵtokensOf,
} from './browser-credentials';
