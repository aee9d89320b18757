/**
 * The BFF's typed errors. Each carries a stable `code` (what the app branches on, also sent as
 * the JSON body's `error`) and the HTTP status the server answers with.
 */

/** Stable codes of the error contract (see README: "Error contract"). */
export type BffErrorCode =
  | 'no_session'
  | 'session_ended'
  | 'csrf_rejected'
  | 'forbidden_target'
  | 'method_not_allowed'
  | 'bad_request'
  | 'payload_too_large'
  | 'unavailable'
  | 'rate_limited'
  | 'upstream_unreachable'
  | 'not_found'
  | 'internal_error';

/**
 * Why a session ended; sent as `reason` with `session_ended`. `replaced`: a newer sign-in in the
 * same browser took its place (session-replacement.ts); its grant may be the new session's, so a
 * refresh that finds it ended must not revoke the token it was given (refresh.ts).
 */
export type SessionEndReason =
  'signed_out' | 'replaced' | 'refresh_rejected' | 'refresh_token_lost' | 'provider_logout';

export class BffError extends Error {
  override readonly name: string = 'BffError';
  constructor(
    readonly code: BffErrorCode,
    readonly status: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** No session cookie, an unknown or expired session id. */
export class NoSessionError extends BffError {
  override readonly name = 'NoSessionError';
  constructor() {
    super('no_session', 401, 'no session: sign in');
  }
}

/** The session existed and has ended for good (sign in again). */
export class SessionEndedError extends BffError {
  override readonly name = 'SessionEndedError';
  constructor(
    readonly reason: SessionEndReason,
    options?: { cause?: unknown },
  ) {
    super('session_ended', 401, `session ended (${reason}): sign in again`, options);
  }
}

/** The provider or the session store cannot be reached now; the session is kept. */
export class UnavailableError extends BffError {
  override readonly name = 'UnavailableError';
  constructor(
    readonly dependency: 'provider' | 'store',
    options?: { cause?: unknown },
  ) {
    super('unavailable', 503, 'try again later', options);
  }
}

/**
 * A session's refresh lock was not free within the refresh wait limit (a refresh of that session
 * still at work, or a dead holder's lock not expired yet): what needed it did not run (503).
 */
export class SessionLockBusyError extends UnavailableError {
  constructor() {
    super('provider');
  }
}

/** The store could not be reached; thrown by stores, turned into 503 by the server. */
export class StoreUnavailableError extends UnavailableError {
  constructor(options?: { cause?: unknown }) {
    super('store', options);
  }
}

/**
 * The in-process store holds its most sessions (BFF_MEMORY_MAX_SESSIONS): a new sign-in is
 * refused (503); no session is evicted, so nobody is signed out to make room.
 */
export class SessionStoreFullError extends UnavailableError {
  override readonly message: string;
  constructor(readonly maxSessions: number) {
    super('store');
    this.message =
      `the in-process session store holds its limit of ${maxSessions} sessions ` +
      '(BFF_MEMORY_MAX_SESSIONS): raise it, or use Redis';
  }
}

/** Too many requests from one client address in the current window (429, with Retry-After). */
export class RateLimitedError extends BffError {
  override readonly name = 'RateLimitedError';
  constructor(readonly retryAfterSeconds: number) {
    super('rate_limited', 429, `too many requests: retry in ${retryAfterSeconds} s`);
  }
}

/**
 * A new sign-in would pass a bound on sign-ins in progress: this client's (429 `rate_limited`)
 * or the whole BFF's (503 `unavailable`). Sign-ins already in progress are never evicted; a slot
 * frees when one completes or expires, `retryAfterSeconds` from now at the latest.
 */
export class SignInLimitError extends BffError {
  override readonly name = 'SignInLimitError';
  constructor(
    readonly scope: 'client' | 'total',
    readonly retryAfterSeconds: number,
  ) {
    super(
      scope === 'client' ? 'rate_limited' : 'unavailable',
      scope === 'client' ? 429 : 503,
      scope === 'client'
        ? `too many sign-ins in progress from this address: retry in ${retryAfterSeconds} s`
        : `too many sign-ins in progress: retry in ${retryAfterSeconds} s`,
    );
  }
}

/**
 * The provider answered the token request with an error, or with a response that cannot be used:
 * presenting the same refresh token again cannot help.
 */
export class ProviderRejectedError extends Error {
  override readonly name = 'ProviderRejectedError';
}

/**
 * The provider could not be reached, or answered 408/429/5xx: the request was not processed and
 * the refresh token is still good.
 */
export class ProviderUnavailableError extends UnavailableError {
  constructor(options?: { cause?: unknown }) {
    super('provider', options);
  }
}

/**
 * The token request left and no answer came back (timeout, connection dropped mid-request): the
 * provider may have rotated the refresh token, so it must never be presented again.
 */
export class RefreshOutcomeUnknownError extends Error {
  override readonly name = 'RefreshOutcomeUnknownError';
}

/** A configuration variable is missing or malformed; the message names it. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'config_invalid';
}
