/**
 * A sign-in that completes while the browser still holds a session replaces it: two tabs that
 * started a sign-in together both end on the session completed last. The replaced one is ended
 * in the store (no request of any instance can use it again), and its refresh token is revoked at
 * the provider when that cannot touch the new session.
 *
 * It cannot when the two come from different provider sessions (`sid`). Within one provider
 * session (two tabs of one browser) a provider issues both under one grant (oidc-provider: one
 * grant per provider session and client; Keycloak: one client session), and revoking a refresh
 * token revokes the grant's other tokens too (RFC 7009, 2.1): the new session's refresh would be
 * refused. Then the replaced refresh token is only dropped (the store never hands it out again)
 * and ends with the shared grant, which the surviving session's sign-out revokes.
 */
import type { FastifyBaseLogger } from 'fastify';

import { errorSummary } from './routes.ts';
import { isSessionId, type BffContext } from './session-http.ts';
import type { SessionRecord } from './session-store/types.ts';

/** What became of the session the browser held. */
export type Replacement = 'none' | 'ended' | 'ended_and_revoked';

/**
 * Ends the session `previousId` (the cookie the callback arrived with) unless it is the new one,
 * then revokes its refresh token unless it shares the new session's provider session. A failed
 * revocation is logged, not thrown: the session has ended, and the new sign-in must not fail
 * because the provider's revocation endpoint did.
 */
export async function replacePreviousSession(
  context: Pick<BffContext, 'store' | 'oidc'>,
  previousId: string | undefined,
  current: Pick<SessionRecord, 'id' | 'sub' | 'sid'>,
  log: FastifyBaseLogger,
): Promise<Replacement> {
  if (!previousId || previousId === current.id || !isSessionId(previousId)) return 'none';
  const lookup = await context.store.getSession(previousId);
  if (lookup.state !== 'active') return 'none';
  // Ended first: from here on the tokens are unreachable, whatever the provider answers.
  await context.store.endSession(previousId, 'signed_out');
  const { refreshToken } = lookup.session.tokens;
  if (!refreshToken || !grantIsSeparate(lookup.session, current)) {
    log.info('a new sign-in replaced the session this browser held (same provider session)');
    return 'ended';
  }
  await context.oidc.revoke(refreshToken).catch((error: unknown) => {
    // The session is over either way; its grant then ends with its own lifetime.
    log.warn({ error: errorSummary(error) }, 'revoking the replaced session failed');
  });
  log.info('a new sign-in replaced the session this browser held; its grant was revoked');
  return 'ended_and_revoked';
}

/**
 * True when the two sessions cannot share a grant: another user, or another provider session.
 * Without a `sid` on both, that cannot be told, and the new session is the one to keep working.
 * Also the rule for the refresh token a step-up replaces in place (step-up-sign-in.ts).
 */
export function grantIsSeparate(
  replaced: Pick<SessionRecord, 'sub' | 'sid'>,
  current: Pick<SessionRecord, 'sub' | 'sid'>,
): boolean {
  if (replaced.sub !== current.sub) return true;
  return replaced.sid !== undefined && current.sid !== undefined && replaced.sid !== current.sid;
}
