/**
 * What the identity provider saw, for browser tests: "exactly one refresh happened", "no refresh
 * token was ever replayed". Counted from oidc-provider's events plus one post-middleware for the
 * two outcomes that have no event in oidc-provider 9 (authorization requests and revocations).
 *
 * Served at GET /__dev/stats and reset by POST /__dev/stats/reset, loopback callers only
 * (see shared/dev-endpoint.ts).
 */
import type Provider from 'oidc-provider';

import type { Resettable } from '../shared/dev-endpoint.ts';

/** One failed token request. */
export interface GrantErrorRecord {
  /** ISO 8601 time of the failure. */
  readonly at: string;
  readonly grantType: string;
  /** The OAuth error code, e.g. `invalid_grant`. */
  readonly error: string;
  /** oidc-provider's detail when it has one (e.g. "refresh token already used"), else the description. */
  readonly description: string;
  /** True exactly when the presented refresh token had already been rotated (consumed). */
  readonly replayedRefreshToken: boolean;
}

/** The JSON answered by GET /__dev/stats. */
export interface ProviderStatsSnapshot {
  /** Successful token requests by grant type, e.g. `{ authorization_code: 1, refresh_token: 2 }`. */
  readonly grants: Readonly<Record<string, number>>;
  readonly grantErrors: readonly GrantErrorRecord[];
  /** Answered revocation requests (RFC 7009 answers 200 for unknown tokens too). */
  readonly revocations: number;
  /** Completed RP-initiated logouts. */
  readonly endSessions: number;
  /** Requests seen at the authorization endpoint (not counting resumes after sign-in). */
  readonly authorizations: number;
  /** Grants revoked as a whole: by refresh token replay, revocation or logout. */
  readonly grantsRevoked: number;
  /**
   * Every access, refresh and ID token the token endpoint handed out since the last reset. Dev
   * only, loopback only: the BFF e2e tests check that none of them ever reaches the browser, and
   * refresh tokens are opaque, so no pattern could find them.
   */
  readonly issuedTokens: readonly string[];
}

export type ProviderStats = Resettable<ProviderStatsSnapshot>;

/** Remembered rotated refresh tokens; far more than a dev session or a test run produces. */
const MAX_REMEMBERED_ROTATIONS = 10_000;

/** Starts counting on `provider`. Call once, before the provider serves requests. */
export function trackProviderStats(provider: Provider): ProviderStats {
  let grants: Record<string, number> = {};
  let grantErrors: GrantErrorRecord[] = [];
  let revocations = 0;
  let endSessions = 0;
  let authorizations = 0;
  let grantsRevoked = 0;
  let issuedTokens: string[] = [];

  // Opaque refresh token values are their ids, so remembering consumed ids tells a replay apart
  // from any other invalid_grant, even after the replay destroyed the token and oidc-provider
  // only says "not found". Survives reset() on purpose: an old token stays a replayed one.
  const rotated = new Set<string>();
  provider.on('refresh_token.consumed', (token) => {
    rotated.add(token.jti);
    if (rotated.size > MAX_REMEMBERED_ROTATIONS) {
      rotated.delete(rotated.values().next().value as string);
    }
  });

  provider.on('grant.success', (ctx) => {
    const grantType = String(ctx.oidc.params?.['grant_type'] ?? 'unknown');
    grants[grantType] = (grants[grantType] ?? 0) + 1;
  });

  provider.on('grant.error', (ctx, err) => {
    const grantType = String(ctx.oidc.params?.['grant_type'] ?? 'unknown');
    const presented = ctx.oidc.params?.['refresh_token'];
    grantErrors.push({
      at: new Date().toISOString(),
      grantType,
      error: err.error,
      description: err.error_detail ?? err.error_description ?? '',
      replayedRefreshToken:
        grantType === 'refresh_token' && typeof presented === 'string' && rotated.has(presented),
    });
  });

  provider.on('end_session.success', () => {
    endSessions += 1;
  });

  provider.on('grant.revoked', () => {
    grantsRevoked += 1;
  });

  provider.use(async (ctx, next) => {
    await next();
    // ctx.oidc only exists once a provider route matched.
    const route = (ctx as { oidc?: { route?: string } }).oidc?.route;
    if (route === 'authorization') {
      authorizations += 1;
    } else if (route === 'revocation' && ctx.status === 200) {
      revocations += 1;
    } else if (route === 'token' && ctx.status === 200) {
      const body = ctx.body as Record<string, unknown> | undefined;
      for (const field of ['access_token', 'refresh_token', 'id_token']) {
        const token = body?.[field];
        if (typeof token === 'string' && issuedTokens.length < MAX_REMEMBERED_ROTATIONS) {
          issuedTokens.push(token);
        }
      }
    }
  });

  return {
    snapshot: () => ({
      grants: { ...grants },
      grantErrors: [...grantErrors],
      revocations,
      endSessions,
      authorizations,
      grantsRevoked,
      issuedTokens: [...issuedTokens],
    }),
    reset: () => {
      grants = {};
      grantErrors = [];
      revocations = 0;
      endSessions = 0;
      authorizations = 0;
      grantsRevoked = 0;
      issuedTokens = [];
    },
  };
}
