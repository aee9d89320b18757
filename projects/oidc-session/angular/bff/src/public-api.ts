// BFF mode's door, @oidc-session/angular/bff: the tokens on a backend-for-frontend. An app that
// does not import this entry point ships none of its code.
export { withBffMode } from './with-bff-mode';
export type { BffAuthConfig } from './bff-config';

// Internals for this package's own specs and testing kit (@oidc-session/angular/testing): the
// mode's seam the kit replaces. Not API, no semver promise.
export { BFF_CONFIG_RULES as ɵBFF_CONFIG_RULES } from './bff-config-rules';
export {
  BffClient as ɵBffClient,
  type BffLogoutAnswer as ɵBffLogoutAnswer,
  type BffSession as ɵBffSession,
} from './bff-client';
