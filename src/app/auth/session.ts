/** Claims about the signed-in user, taken from the ID token. */
export interface UserClaims {
  readonly sub: string;
  readonly name?: string;
  readonly [claim: string]: unknown;
}

/**
 * What the app may know about the current session. Refresh and ID tokens stay inside the
 * session layer; only whether a refresh token is held is visible.
 */
export interface Session {
  readonly accessToken: string;
  /** Epoch ms on the client clock: receipt time + `expires_in`, so server clock skew is irrelevant. */
  readonly expiresAt: number;
  /** Epoch ms on the client clock when the token response arrived. */
  readonly receivedAt: number;
  readonly hasRefreshToken: boolean;
  readonly claims: UserClaims;
}

/**
 * The complete token set, as stored in this tab and shared with the other tabs.
 * `generation` grows by one with every new token set across all tabs of the app, so a tab can
 * tell whether the refresh token it holds has already been rotated by somebody else.
 */
export interface TokenSet {
  readonly accessToken: string;
  readonly expiresAt: number;
  readonly receivedAt: number;
  readonly refreshToken: string | null;
  readonly idToken: string | null;
  readonly claims: UserClaims;
  readonly generation: number;
}

export function toSession(tokens: TokenSet): Session {
  return {
    accessToken: tokens.accessToken,
    expiresAt: tokens.expiresAt,
    receivedAt: tokens.receivedAt,
    hasRefreshToken: tokens.refreshToken !== null,
    claims: tokens.claims,
  };
}

/** Shape check for token sets read from storage or received from another tab. */
export function isTokenSet(value: unknown): value is TokenSet {
  if (typeof value !== 'object' || value === null) return false;
  const t = value as Record<string, unknown>;
  const claims = t['claims'] as Record<string, unknown> | null | undefined;
  return (
    typeof t['accessToken'] === 'string' &&
    t['accessToken'] !== '' &&
    Number.isFinite(t['expiresAt']) &&
    Number.isFinite(t['receivedAt']) &&
    (t['refreshToken'] === null || typeof t['refreshToken'] === 'string') &&
    (t['idToken'] === null || typeof t['idToken'] === 'string') &&
    typeof claims === 'object' &&
    claims !== null &&
    typeof claims['sub'] === 'string' &&
    Number.isSafeInteger(t['generation'])
  );
}
