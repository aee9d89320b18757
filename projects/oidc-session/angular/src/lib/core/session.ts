/**
 * When the session will end if nothing happens, and why: the earlier of its idle end (nobody used
 * it for the idle timeout; activity in any tab moves it) and its lifetime end (the BFF's absolute
 * lifetime, the refresh token's lifetime, or a configured maximum: only a new sign-in goes past it).
 * Every tab computes the same one from what the tabs share.
 */
export interface SessionEnd {
  /** Epoch ms on this device's clock. */
  readonly at: number;
  readonly reason: 'idle' | 'lifetime';
}

/** Claims about the signed-in user, taken from the ID token. */
export interface UserClaims {
  readonly sub: string;
  readonly name?: string;
  readonly [claim: string]: unknown;
}

/**
 * What the app may know about the current session. It carries no token: in browser mode
 * `AuthService.accessToken()` hands out the access token for code that must call an API itself;
 * in bff mode the tokens never reach the browser at all.
 */
export interface Session {
  /** Grows with every new token set (browser mode: across tabs; bff mode: the BFF's version). */
  readonly version: number;
  /** Epoch ms on the client clock: receipt time + `expires_in`, so server clock skew is irrelevant. */
  readonly expiresAt: number;
  /** Epoch ms on the client clock when the token response arrived. */
  readonly receivedAt: number;
  readonly hasRefreshToken: boolean;
  readonly claims: UserClaims;
  /**
   * The provider's clock minus this device's, in ms, estimated from the last ID token's `iat`
   * (null when unknown). Shown to support staff; nothing in the session depends on it.
   */
  readonly providerClockOffsetMs: number | null;
  /**
   * Where the tokens are: `tab` (browser mode, this tab holds them) or `server` (bff mode, the
   * BFF holds every token and the browser only an HttpOnly cookie).
   */
  readonly heldBy: 'tab' | 'server';
  /** bff mode: epoch ms (client clock) when the BFF ends the session however much it is used. */
  readonly sessionEndsAt: number | null;
  /**
   * When the session ends if nothing happens, and why (idle or lifetime), the same in every tab;
   * null when nothing ends it but a refused refresh or a sign-out. See AuthService.sessionEnding.
   */
  readonly end: SessionEnd | null;
}

/**
 * The session as the core knows it, stored in this tab and shared with the other tabs. The core
 * reads only these fields; what a mode needs to call APIs and refresh (browser mode: the tokens;
 * BFF mode: nothing, the BFF holds them) is in `credentials`, which only the mode reads.
 * `generation` grows by one with every new session state across all tabs of the app (BFF mode: it
 * is the BFF's version), so a tab can tell whether what it holds is still the newest.
 */
export interface SessionState<C = SessionCredentials> {
  readonly generation: number;
  /**
   * The sign-out epoch the state belongs to: the one in force when the sign-in or refresh that
   * produced it began. A sign-out moves the epoch on, so a state of an older epoch, however late
   * it arrives, is never stored, adopted or handed over again.
   */
  readonly epoch: number;
  /** Epoch ms on the client clock: receipt time + the access token's lifetime. */
  readonly expiresAt: number;
  readonly receivedAt: number;
  readonly claims: UserClaims;
  /** Whether the session can be refreshed (browser mode: a refresh token is held). */
  readonly canRefresh: boolean;
  /** See {@link Session.heldBy}. */
  readonly heldBy: 'tab' | 'server';
  /** See {@link Session.providerClockOffsetMs}. */
  readonly providerClockOffsetMs?: number | null;
  /**
   * Epoch ms (client clock) when the session ends however much it is used: the BFF's absolute
   * lifetime, or in browser mode the refresh token's (`refresh_expires_in`) or the configured
   * maximum. See {@link Session.sessionEndsAt}.
   */
  readonly sessionEndsAt?: number;
  /**
   * The session ends after this long without activity in any tab (BFF mode: the BFF's idle
   * timeout; browser mode: the configured `idleTimeoutSeconds`). Absent: no idle end.
   */
  readonly idleTimeoutMs?: number;
  /** The mode's own: opaque to the core, never part of the public {@link Session}. */
  readonly credentials: C;
}

/**
 * A mode's credentials as the core stores and hands over between tabs: a flat record of strings,
 * or null when the mode keeps none in the tab.
 */
export type SessionCredentials = Readonly<Record<string, string | null>> | null;

/** A session state as a refresh or a sign-in gives it, before it is numbered. */
export type ObtainedSession<C = SessionCredentials> = Omit<SessionState<C>, 'generation'>;

export function toSession(state: SessionState, end: SessionEnd | null = null): Session {
  return {
    version: state.generation,
    expiresAt: state.expiresAt,
    receivedAt: state.receivedAt,
    hasRefreshToken: state.canRefresh,
    claims: state.claims,
    providerClockOffsetMs: state.providerClockOffsetMs ?? null,
    heldBy: state.heldBy,
    sessionEndsAt: state.sessionEndsAt ?? null,
    end,
  };
}

/**
 * Reads a session state stored by this or an earlier version of the app (or sent by a tab that
 * runs one): states stored before sign-out epochs existed belong to the first epoch, and the
 * token sets of earlier versions (tokens as top-level fields) are moved into `credentials`.
 */
export function readSessionState(value: unknown): SessionState | null {
  if (typeof value !== 'object' || value === null) return null;
  let state = value as Record<string, unknown>;
  if (!('epoch' in state)) state = { ...state, epoch: 0 };
  if (!('credentials' in state)) state = fromTokenSet(state);
  return isSessionState(state) ? state : null;
}

/** An earlier version's token set: the tokens were fields of their own. */
function fromTokenSet(old: Record<string, unknown>): Record<string, unknown> {
  const { accessToken, refreshToken, idToken, tokenType, serverHeld, ...rest } = old;
  const server = serverHeld === true;
  return {
    ...rest,
    canRefresh: server || (typeof refreshToken === 'string' && refreshToken !== ''),
    heldBy: server ? 'server' : 'tab',
    credentials: server
      ? null
      : {
          accessToken,
          refreshToken,
          idToken,
          ...(tokenType === undefined ? {} : { tokenType }),
        },
  };
}

/** Shape check for session states read from storage or received from another tab. */
export function isSessionState(value: unknown): value is SessionState {
  if (typeof value !== 'object' || value === null) return false;
  const t = value as Record<string, unknown>;
  const claims = t['claims'] as Record<string, unknown> | null | undefined;
  return (
    Number.isFinite(t['expiresAt']) &&
    Number.isFinite(t['receivedAt']) &&
    typeof claims === 'object' &&
    claims !== null &&
    typeof claims['sub'] === 'string' &&
    Number.isSafeInteger(t['generation']) &&
    Number.isSafeInteger(t['epoch']) &&
    typeof t['canRefresh'] === 'boolean' &&
    (t['heldBy'] === 'tab' || t['heldBy'] === 'server') &&
    (t['providerClockOffsetMs'] === undefined ||
      t['providerClockOffsetMs'] === null ||
      Number.isFinite(t['providerClockOffsetMs'])) &&
    (t['sessionEndsAt'] === undefined || Number.isFinite(t['sessionEndsAt'])) &&
    (t['idleTimeoutMs'] === undefined || Number.isFinite(t['idleTimeoutMs'])) &&
    isCredentials(t['credentials'])
  );
}

function isCredentials(value: unknown): value is SessionCredentials {
  if (value === null) return true;
  if (typeof value !== 'object' || Array.isArray(value)) return false;
  return Object.values(value).every((field) => field === null || typeof field === 'string');
}
