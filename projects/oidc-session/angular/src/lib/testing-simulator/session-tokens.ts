import { SessionState } from '../core/session';

/** The access token a simulated tab's session holds (browser mode), or null. */
export function accessTokenOf(state: SessionState | null | undefined): string | null {
  return state?.credentials?.['accessToken'] ?? null;
}

/** The refresh token a simulated tab's session holds (browser mode), or null. */
export function refreshTokenOf(state: SessionState | null | undefined): string | null {
  return state?.credentials?.['refreshToken'] ?? null;
}
