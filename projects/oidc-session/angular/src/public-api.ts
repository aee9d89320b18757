// The session layer's one public door. Features import from here, never from a file behind it.
export { AuthService } from './lib/auth-service';
export { SessionEndingWarning } from './lib/session-end/session-ending-warning';
export { authInterceptor, SKIP_AUTH } from './lib/auth-interceptor';
export { authGuard } from './lib/auth-guard';
export {
  provideAuth,
  configFromUrl,
  configFromObject,
  withAuthTiming,
  withStartupReporter,
  withLoginRoute,
} from './lib/provide-auth';
export type { AuthFeature } from './lib/core/auth-feature';
export {
  type AuthRenderContext,
  type RenderedSessionView,
} from './lib/core/server/auth-render-context';
export { provideAuthRenderContext } from './lib/core/server/provide-auth-render-context';
export type {
  ApiLocation,
  AuthConfigSource,
  ConfigFieldChecks,
  ModeConfigRules,
  SharedAuthConfig,
  TokenStorageMode,
} from './lib/core/config/config-types';
export type { SessionMode } from './lib/core/session-mode';
export type { AuthTiming } from './lib/core/config/auth-timing';
export type { AuthStartupReporter } from './lib/auth-startup-reporter';
export type { Session, SessionEnd, UserClaims } from './lib/core/session';
export type { SignOutNotice } from './lib/core/tabs/sign-out-notice';
export type { StepUpMode } from './lib/core/config/config-types';
export type { StepUpRequest } from './lib/core/step-up/step-up-request';
export type { AuthEvent, AuthEventType, RefreshTrigger } from './lib/core/auth-events';
export {
  AuthError,
  SessionExpiredError,
  ProviderUnreachableError,
  AuthConfigError,
  LoginError,
  StepUpRequiredError,
  isAuthError,
} from './lib/core/auth-errors';
export type { AuthErrorCode, SessionEndReason, UnreachableReason } from './lib/core/auth-errors';
export { CLOCK } from './lib/core/platform/clock';
export type { Clock } from './lib/core/platform/clock';
export { safeReturnPath } from './lib/core/return-url';
export { diagnoseSignInFailure } from './lib/diagnostics/sign-in-diagnosis';
export { ProviderAnswerProbe } from './lib/diagnostics/provider-answer-probe';
export type { SignInDiagnosis, DoctorCheckId } from './lib/diagnostics/sign-in-diagnosis';

// Internals for this package's own other entry points (@oidc-session/angular/browser, /bff and
// /testing): the session core the modes are built on. The ɵ prefix, as in Angular's own
// packages: not API, no semver promise.
export { AuthStartup as ɵAuthStartup } from './lib/auth-startup';
export { AUTH_STARTUP_REPORTER as ɵAUTH_STARTUP_REPORTER } from './lib/auth-startup-reporter';
export { TokenUnavailableError as ɵTokenUnavailableError } from './lib/core/auth-errors';
export { AuthEventLog as ɵAuthEventLog } from './lib/core/auth-events';
export { ApiAllowlist as ɵApiAllowlist } from './lib/core/config/api-allowlist';
export { AuthConfigStore as ɵAuthConfigStore } from './lib/core/config/auth-config-store';
export {
  AUTH_CONFIG_SOURCE as ɵAUTH_CONFIG_SOURCE,
  AuthConfigLoader as ɵAuthConfigLoader,
} from './lib/core/config/auth-config-loader';
export { AUTH_TIMING as ɵAUTH_TIMING } from './lib/core/config/auth-timing';
export {
  type KeyValueStorage as ɵKeyValueStorage,
  LOCAL_STORAGE as ɵLOCAL_STORAGE,
  MemoryStorage as ɵMemoryStorage,
  SESSION_STORAGE as ɵSESSION_STORAGE,
} from './lib/core/platform/browser-storage';
export { PAGE_NAVIGATION as ɵPAGE_NAVIGATION } from './lib/core/platform/page-navigation';
export {
  serverActivityAt as ɵserverActivityAt,
  serverHeldState as ɵserverHeldState,
} from './lib/core/server-held-session';
export { SharedActivity as ɵSharedActivity } from './lib/core/session-end/shared-activity';
export { TokenRefresher as ɵTokenRefresher } from './lib/core/token-refresher';
export { delay as ɵdelay } from './lib/core/retry-while-unreachable';
export {
  type ObtainedSession as ɵObtainedSession,
  type SessionState as ɵSessionState,
} from './lib/core/session';
export {
  type CoordinatedRefresh as ɵCoordinatedRefresh,
  type Redeemed as ɵRedeemed,
  type RejectionVerdict as ɵRejectionVerdict,
  SessionBackend as ɵSessionBackend,
  type SignOutOutcome as ɵSignOutOutcome,
} from './lib/core/session-backend';
export { SESSION_MODES as ɵSESSION_MODES } from './lib/core/session-mode';
export type { AuthenticationParameters as ɵAuthenticationParameters } from './lib/core/step-up/step-up-request';
export { SignInOutcome as ɵSignInOutcome } from './lib/core/sign-in-outcome';
export { SessionSharing as ɵSessionSharing } from './lib/core/tabs/session-sharing';
export {
  SessionStore as ɵSessionStore,
  TOKENS_KEY as ɵTOKENS_KEY,
} from './lib/core/tabs/session-store';
export {
  SIGN_OUT_PENDING_COOKIE as ɵSIGN_OUT_PENDING_COOKIE,
  SignOutPending as ɵSignOutPending,
} from './lib/core/tabs/sign-out-pending';
export {
  PerTabSync as ɵPerTabSync,
  TAB_SYNC as ɵTAB_SYNC,
  type TabMessage as ɵTabMessage,
  type TabSync as ɵTabSync,
} from './lib/core/tabs/tab-sync';
export { LOGIN_ROUTE as ɵLOGIN_ROUTE } from './lib/login-route';
