/**
 * Typed errors of the session layer. Callers branch on `code`, never on `message`:
 * messages are for people and may change, codes are a stable contract.
 */
export type AuthErrorCode =
  | 'session_expired'
  | 'provider_unreachable'
  | 'config_invalid'
  | 'login_failed'
  | 'token_unavailable'
  | 'step_up_required';

/** Why a session ended for good; carried by {@link SessionExpiredError}. */
export type SessionEndReason =
  /** The token endpoint answered 400/401 (or another 4xx) to the refresh token. */
  | 'refresh_rejected'
  /** The token endpoint answered 200 with something that is not a complete token response. */
  | 'malformed_token_response'
  /** There is no refresh token to refresh with. */
  | 'no_refresh_token'
  /** Another tab holds a newer token set that this tab could not obtain. */
  | 'superseded'
  /** The user signed out (here or in another tab) while the request waited. */
  | 'signed_out'
  /** The backend-for-frontend reports the session gone (expired there, signed out, ended by the provider). */
  | 'ended_by_server'
  /** Nobody used the session, in any tab, for its idle timeout. */
  | 'idle_timeout'
  /** The session reached the end of its lifetime (the BFF's, the refresh token's, or the configured one). */
  | 'lifetime_reached';

/**
 * Why a refresh could not be done now; carried by {@link ProviderUnreachableError}.
 * `tab_unresponsive`: another tab holds newer tokens but did not hand them over in time.
 */
export type UnreachableReason =
  | 'network'
  | 'timeout'
  | 'server_error'
  | 'rate_limited'
  | 'tab_unresponsive'
  /** The provider's discovery document could not be fetched or does not fit the configuration. */
  | 'discovery_failed';

export abstract class AuthError extends Error {
  abstract readonly code: AuthErrorCode;
}

/** Definitive: the session is gone and the user has to sign in again. */
export class SessionExpiredError extends AuthError {
  readonly code = 'session_expired' as const;

  constructor(
    readonly reason: SessionEndReason,
    /** OAuth error code or parse problem, for logs and the session panel; never a token. */
    readonly detail?: string,
  ) {
    super(`The session has ended (${reason}${detail ? `: ${detail}` : ''}). Please sign in again.`);
    this.name = 'SessionExpiredError';
  }
}

/** Transient: the provider could not be asked right now; the session is kept. */
export class ProviderUnreachableError extends AuthError {
  readonly code = 'provider_unreachable' as const;

  constructor(
    readonly reason: UnreachableReason,
    /** HTTP status when there was an answer (5xx, 429), otherwise undefined. */
    readonly status?: number,
    /** How many token requests were tried before giving up. */
    readonly attempts = 1,
  ) {
    super(
      (reason === 'tab_unresponsive'
        ? 'Another tab of this app holds the newest session but did not hand it over in time. '
        : `The identity provider could not be reached (${reason}${status ? ` ${status}` : ''}` +
          `${attempts > 1 ? `, ${attempts} attempts` : ''}). `) +
        'The session is kept; the next request tries again.',
    );
    this.name = 'ProviderUnreachableError';
  }
}

/** The runtime configuration is unusable; `field` names the offending entry. */
export class AuthConfigError extends AuthError {
  readonly code = 'config_invalid' as const;

  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`Invalid auth configuration: "${field}" ${problem}`);
    this.name = 'AuthConfigError';
  }
}

/** The redirect back from the provider could not be turned into a session. */
export class LoginError extends AuthError {
  readonly code = 'login_failed' as const;

  constructor(readonly detail: string) {
    super(`Sign-in failed: ${detail}`);
    this.name = 'LoginError';
  }
}

/**
 * bff mode: the tokens stay on the backend-for-frontend, so there is no access token to hand out.
 * Call the API through the BFF (`/api/...`) instead; the interceptor adds what it needs.
 */
export class TokenUnavailableError extends AuthError {
  readonly code = 'token_unavailable' as const;

  constructor() {
    super('No access token in the browser: in bff mode the tokens stay on the server.');
    this.name = 'TokenUnavailableError';
  }
}

/**
 * The API asks for a stronger or more recent sign-in (RFC 9470: a 401 with
 * `error="insufficient_user_authentication"`). Not a failure of the session, which goes on: a
 * refresh cannot raise the authentication level, so none is made. `AuthService.stepUp()` signs the
 * user in again with what the API asked for. `acrValues` and `maxAge` are null when the API named
 * none, or when its challenge could not be read (`unreadable`: the user is then asked to sign in
 * again as such).
 */
export class StepUpRequiredError extends AuthError {
  readonly code = 'step_up_required' as const;

  constructor(
    /** Space-separated ACR values, in the API's order of preference. */
    readonly acrValues: string | null,
    /** Seconds since the last authentication the API accepts. */
    readonly maxAge: number | null,
    /** The request's URL without its query, for logs and the session panel. */
    readonly url: string,
    readonly unreadable = false,
  ) {
    super(
      `The API asks for a stronger sign-in${acrValues ? ` (${acrValues})` : ''}${
        maxAge !== null ? ` no older than ${maxAge} s` : ''
      }${unreadable ? ' (its challenge could not be read)' : ''}.`,
    );
    this.name = 'StepUpRequiredError';
  }
}

export function isAuthError(error: unknown): error is AuthError {
  return error instanceof AuthError;
}
