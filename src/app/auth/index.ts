// The session layer's one public door. Features import from here, never from a file behind it.
export { AuthService } from './auth-service';
export { authInterceptor, SKIP_AUTH } from './auth-interceptor';
export { dpopInterceptor } from './browser-tokens/dpop';
export { authGuard } from './auth-guard';
export {
  provideAuth,
  configFromUrl,
  configFromObject,
  withAuthTiming,
  withStartupReporter,
  withLoginRoute,
} from './provide-auth';
export type { AuthFeature } from './provide-auth';
export type {
  AuthConfig,
  ApiLocation,
  TokenStorageMode,
  AuthConfigSource,
  DpopSetting,
} from './auth-config';
export { validateAuthConfig } from './auth-config';
export type { AuthTiming } from './auth-timing';
export type { AuthStartupReporter } from './auth-startup-reporter';
export type { Session, UserClaims } from './session';
export type { SignOutNotice } from './sign-out-notice';
export type { AuthEvent, AuthEventType, RefreshTrigger } from './auth-events';
export {
  AuthError,
  SessionExpiredError,
  ProviderUnreachableError,
  AuthConfigError,
  LoginError,
  isAuthError,
} from './auth-errors';
export type { AuthErrorCode, SessionEndReason, UnreachableReason } from './auth-errors';
export { CLOCK } from './clock';
export type { Clock } from './clock';
export { safeReturnPath } from './return-url';
export { diagnoseSignInFailure } from './sign-in-diagnosis';
export { ProviderAnswerProbe } from './provider-answer-probe';
export type { SignInDiagnosis, DoctorCheckId } from './sign-in-diagnosis';
