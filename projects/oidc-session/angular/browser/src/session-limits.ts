import { ɵSessionState as SessionState } from '@oidc-session/angular';

import { BrowserAuthConfig } from './browser-config';

/** The credentials' field (epoch ms as text) for the configured end: `maxSessionSeconds` after sign-in. */
export const SESSION_LIMIT = 'sessionLimit';

/** What a token response says of the refresh token's own end (`refresh_expires_in`, seconds). */
export interface ObtainedLimits {
  readonly receivedAt: number;
  readonly refreshExpiresIn?: number;
}

/**
 * Where browser mode's session ends: after `idleTimeoutSeconds` without activity in any tab, and at
 * the earlier of `maxSessionSeconds` after sign-in and the refresh token's end where the provider
 * says it (`refresh_expires_in`, Keycloak and others; each refresh may move it). `previous`: the
 * state refreshed, whose sign-in limit stands and whose refresh token end stands when the answer
 * says nothing of it.
 */
export function sessionLimits(
  config: Pick<BrowserAuthConfig, 'idleTimeoutSeconds' | 'maxSessionSeconds'>,
  obtained: ObtainedLimits,
  previous?: Pick<SessionState, 'sessionEndsAt' | 'credentials'>,
): Pick<SessionState, 'idleTimeoutMs' | 'sessionEndsAt'> & {
  readonly sessionLimit: string | null;
} {
  const limit = previous
    ? Number(previous.credentials?.[SESSION_LIMIT] ?? NaN)
    : config.maxSessionSeconds === null
      ? NaN
      : obtained.receivedAt + config.maxSessionSeconds * 1000;
  const refreshEnd =
    obtained.refreshExpiresIn !== undefined
      ? obtained.receivedAt + obtained.refreshExpiresIn * 1000
      : previous?.sessionEndsAt;
  const ends = [limit, refreshEnd].filter((at): at is number => Number.isFinite(at));
  return {
    ...(config.idleTimeoutSeconds === null
      ? {}
      : { idleTimeoutMs: config.idleTimeoutSeconds * 1000 }),
    ...(ends.length ? { sessionEndsAt: Math.min(...ends) } : {}),
    sessionLimit: Number.isFinite(limit) ? String(limit) : null,
  };
}

/** `refresh_expires_in` of a token response: a positive number of seconds, else undefined. */
export function readRefreshExpiresIn(value: unknown): number | undefined {
  const seconds = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  // 0 is Keycloak's "does not expire" (offline tokens): no end to announce.
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0
    ? seconds
    : undefined;
}
