// The session layer's one public door. Features import from here, never from a file behind it.
export { AuthService } from './lib/auth-service';
export { authInterceptor, SKIP_AUTH } from './lib/auth-interceptor';
export { dpopInterceptor } from './lib/browser-tokens/dpop';
export { authGuard } from './lib/auth-guard';
export {
  provideAuth,
  configFromUrl,
  configFromObject,
  withAuthTiming,
  withStartupReporter,
  withLoginRoute,
} from './lib/provide-auth';
export type { AuthFeature } from './lib/provide-auth';
export type {
  AuthConfig,
  ApiLocation,
  TokenStorageMode,
  AuthConfigSource,
  DpopSetting,
} from './lib/core/config/auth-config';
export { validateAuthConfig } from './lib/core/config/auth-config';
export type { AuthTiming } from './lib/core/config/auth-timing';
export type { AuthStartupReporter } from './lib/auth-startup-reporter';
export type { Session, UserClaims } from './lib/core/session';
export type { SignOutNotice } from './lib/core/tabs/sign-out-notice';
export type { AuthEvent, AuthEventType, RefreshTrigger } from './lib/core/auth-events';
export {
  AuthError,
  SessionExpiredError,
  ProviderUnreachableError,
  AuthConfigError,
  LoginError,
  isAuthError,
} from './lib/core/auth-errors';
export type { AuthErrorCode, SessionEndReason, UnreachableReason } from './lib/core/auth-errors';
export { CLOCK } from './lib/core/platform/clock';
export type { Clock } from './lib/core/platform/clock';
export { safeReturnPath } from './lib/core/return-url';
export { diagnoseSignInFailure } from './lib/diagnostics/sign-in-diagnosis';
export { ProviderAnswerProbe } from './lib/diagnostics/provider-answer-probe';
export type { SignInDiagnosis, DoctorCheckId } from './lib/diagnostics/sign-in-diagnosis';

// Internals for this package's own second entry point, @oidc-session/angular/testing (the
// testing kit). The ɵ prefix, as in Angular's own packages: not API, no semver promise.
export { AuthStartup as ɵAuthStartup } from './lib/auth-startup';
export { AUTH_STARTUP_REPORTER as ɵAUTH_STARTUP_REPORTER } from './lib/auth-startup-reporter';
export { BffClient as ɵBffClient, type BffLogoutAnswer as ɵBffLogoutAnswer, type BffSession as ɵBffSession } from './lib/bff/bff-client';
export { type CompletedLogin as ɵCompletedLogin, OidcClient as ɵOidcClient, type ProviderMetadata as ɵProviderMetadata } from './lib/browser-tokens/oidc-client';
export { PROVIDER_METADATA_SEED as ɵPROVIDER_METADATA_SEED } from './lib/browser-tokens/provider-metadata';
export { TokenEndpoint as ɵTokenEndpoint } from './lib/browser-tokens/token-endpoint';
export { type KeyValueStorage as ɵKeyValueStorage, LOCAL_STORAGE as ɵLOCAL_STORAGE, MemoryStorage as ɵMemoryStorage, SESSION_STORAGE as ɵSESSION_STORAGE } from './lib/core/platform/browser-storage';
export { PAGE_NAVIGATION as ɵPAGE_NAVIGATION } from './lib/core/platform/page-navigation';
export { type ObtainedTokens as ɵObtainedTokens, type TokenSet as ɵTokenSet } from './lib/core/session';
export { SessionStore as ɵSessionStore, TOKENS_KEY as ɵTOKENS_KEY } from './lib/core/tabs/session-store';
export { SIGN_OUT_PENDING_COOKIE as ɵSIGN_OUT_PENDING_COOKIE } from './lib/core/tabs/sign-out-pending';
export { PerTabSync as ɵPerTabSync, TAB_SYNC as ɵTAB_SYNC, type TabMessage as ɵTabMessage, type TabSync as ɵTabSync } from './lib/core/tabs/tab-sync';
