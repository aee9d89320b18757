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
}

/**
 * The complete token set, as stored in this tab and shared with the other tabs.
 * `generation` grows by one with every new token set across all tabs of the app, so a tab can
 * tell whether the refresh token it holds has already been rotated by somebody else.
 */
export interface TokenSet {
  /** Null in bff mode, where the BFF holds every token. */
  readonly accessToken: string | null;
  readonly expiresAt: number;
  readonly receivedAt: number;
  readonly refreshToken: string | null;
  readonly idToken: string | null;
  readonly claims: UserClaims;
  readonly generation: number;
  /** True in bff mode: the BFF holds the tokens (and so a refresh token) for this session. */
  readonly serverHeld?: boolean;
  /** bff mode: see {@link Session.sessionEndsAt}. */
  readonly sessionEndsAt?: number;
  /** See {@link Session.providerClockOffsetMs}; absent in sets stored by older versions. */
  readonly providerClockOffsetMs?: number | null;
  /**
   * `DPoP` when the tokens are bound to this browser's DPoP key (RFC 9449): every API request
   * then needs a proof. Absent means Bearer, as in sets stored by older versions.
   */
  readonly tokenType?: 'DPoP';
  /**
   * The sign-out epoch the set belongs to: the one in force when the sign-in or refresh that
   * produced it began. A sign-out moves the epoch on, so a set of an older epoch, however late
   * it arrives, is never stored, adopted or handed over again.
   */
  readonly epoch: number;
}

/** A token set as the token endpoint or the sign-in gives it, before it is numbered. */
export type ObtainedTokens = Omit<TokenSet, 'generation'>;

export function toSession(tokens: TokenSet): Session {
  return {
    version: tokens.generation,
    expiresAt: tokens.expiresAt,
    receivedAt: tokens.receivedAt,
    hasRefreshToken: tokens.refreshToken !== null || tokens.serverHeld === true,
    claims: tokens.claims,
    providerClockOffsetMs: tokens.providerClockOffsetMs ?? null,
    heldBy: tokens.serverHeld ? 'server' : 'tab',
    sessionEndsAt: tokens.sessionEndsAt ?? null,
  };
}

/**
 * Reads a token set stored by this or an earlier version of the app; sets stored before sign-out
 * epochs existed belong to the first epoch.
 */
export function readTokenSet(value: unknown): TokenSet | null {
  if (typeof value === 'object' && value !== null && !('epoch' in value)) {
    value = { ...value, epoch: 0 };
  }
  return isTokenSet(value) ? value : null;
}

/** Shape check for token sets read from storage or received from another tab. */
export function isTokenSet(value: unknown): value is TokenSet {
  if (typeof value !== 'object' || value === null) return false;
  const t = value as Record<string, unknown>;
  const claims = t['claims'] as Record<string, unknown> | null | undefined;
  return (
    (t['accessToken'] === null ||
      (typeof t['accessToken'] === 'string' && t['accessToken'] !== '')) &&
    Number.isFinite(t['expiresAt']) &&
    Number.isFinite(t['receivedAt']) &&
    (t['refreshToken'] === null || typeof t['refreshToken'] === 'string') &&
    (t['idToken'] === null || typeof t['idToken'] === 'string') &&
    typeof claims === 'object' &&
    claims !== null &&
    typeof claims['sub'] === 'string' &&
    Number.isSafeInteger(t['generation']) &&
    (t['providerClockOffsetMs'] === undefined ||
      t['providerClockOffsetMs'] === null ||
      Number.isFinite(t['providerClockOffsetMs'])) &&
    (t['tokenType'] === undefined || t['tokenType'] === 'DPoP') &&
    Number.isSafeInteger(t['epoch'])
  );
}
