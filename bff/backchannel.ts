/**
 * OpenID Connect Back-Channel Logout 1.0: the provider POSTs a logout token when a user's
 * provider session ends; the BFF ends every session of that provider session (`sid`) or user
 * (`sub`) in the shared store, so every instance sees it on the next request.
 */
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { FastifyInstance } from 'fastify';

import { UnavailableError } from './errors.ts';
import { BACKCHANNEL_LOGOUT_PATH, errorSummary } from './routes.ts';
import type { BffContext } from './session-http.ts';

const LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';
/** Oldest `iat` accepted; a `jti` is remembered longer than this, so a replay is always caught. */
const MAX_TOKEN_AGE_SECONDS = 120;
const CLOCK_TOLERANCE_SECONDS = 30;
const JTI_MEMORY_MS = (MAX_TOKEN_AGE_SECONDS + 2 * CLOCK_TOLERANCE_SECONDS) * 1000;

/** A logout token that must be refused (400 invalid_request). */
class InvalidLogoutToken extends Error {}

export function registerBackchannelLogout(server: FastifyInstance, context: BffContext): void {
  let keys: ReturnType<typeof createRemoteJWKSet> | undefined;

  async function verify(logoutToken: string): Promise<JWTPayload> {
    const { issuer, jwksUri } = await context.oidc.metadata();
    if (!jwksUri) throw new InvalidLogoutToken('the provider publishes no jwks_uri');
    keys ??= createRemoteJWKSet(new URL(jwksUri));
    try {
      const { payload } = await jwtVerify(logoutToken, keys, {
        issuer,
        audience: context.config.clientId,
        maxTokenAge: MAX_TOKEN_AGE_SECONDS,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        currentDate: new Date(context.now()),
        requiredClaims: ['iat', 'jti'],
      });
      return payload;
    } catch (error) {
      // The provider's keys could not be fetched: it may try again later, so do not say 400.
      if (
        error instanceof joseErrors.JWKSTimeout ||
        (error instanceof TypeError && /fetch/.test(error.message))
      ) {
        throw new UnavailableError('provider', { cause: error });
      }
      throw new InvalidLogoutToken(`logout token refused: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  server.register(async (scope) => {
    // The provider posts a form; the rest of the BFF takes JSON only.
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string' },
      (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
    );

    scope.post(BACKCHANNEL_LOGOUT_PATH, async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const logoutToken = (request.body as Record<string, unknown> | undefined)?.['logout_token'];
      try {
        if (typeof logoutToken !== 'string')
          throw new InvalidLogoutToken('logout_token is required');
        const claims = await verify(logoutToken);
        const events = claims['events'] as Record<string, unknown> | undefined;
        if (typeof events?.[LOGOUT_EVENT] !== 'object' || events[LOGOUT_EVENT] === null) {
          throw new InvalidLogoutToken('not a back-channel logout event');
        }
        if ('nonce' in claims) throw new InvalidLogoutToken('a logout token must not have a nonce');
        const sid = typeof claims['sid'] === 'string' ? claims['sid'] : undefined;
        const sub = typeof claims.sub === 'string' ? claims.sub : undefined;
        if (!sid && !sub) throw new InvalidLogoutToken('a logout token needs sid or sub');
        // Checked last: a refused token must not use up its jti.
        const jti = `${claims.iss}|${claims.jti}`;
        if (await context.store.hasSeenJti(jti))
          throw new InvalidLogoutToken('logout token replayed');
        // End the sessions first, record the jti after: a store failure in between answers 503
        // with the jti unrecorded, so the provider's retry ends them (ending is idempotent).
        // Recorded first, the retry would be refused as a replay and the sessions would live on.
        const ids = await endSessionsOf(context, sid, sub);
        // false: a concurrent delivery of the same token recorded it first; both ended the same.
        await context.store.markJtiSeen(jti, JTI_MEMORY_MS);
        request.log.info({ sessions: ids.length }, 'back-channel logout');
        return reply.code(200).send();
      } catch (error) {
        if (!(error instanceof InvalidLogoutToken)) throw error;
        request.log.warn({ error: errorSummary(error) }, 'back-channel logout refused');
        return reply.code(400).send({ error: 'invalid_request', error_description: error.message });
      }
    });
  });
}

/** Ends every session of the provider session `sid` (only `sub`'s when both) or of `sub`. */
async function endSessionsOf(
  context: BffContext,
  sid: string | undefined,
  sub: string | undefined,
): Promise<string[]> {
  const ids = sid
    ? await context.store.sessionsBySid(sid)
    : await context.store.sessionsBySub(sub as string);
  for (const id of ids) {
    // With both sid and sub, only that user's sessions of that provider session end.
    if (sid && sub) {
      const lookup = await context.store.getSession(id);
      if (lookup.state !== 'active' || lookup.session.sub !== sub) continue;
    }
    await context.store.endSession(id, 'provider_logout');
  }
  return ids;
}
