/**
 * A sign-in that completes while the browser still holds a session replaces it: two tabs that
 * started a sign-in together both end on the session completed last. The replaced one is ended
 * in the store (no request of any instance can use it again; reason `replaced`), and its refresh
 * token is revoked at the provider when that cannot touch the new session.
 *
 * It cannot when the two come from different provider sessions (`sid`). Within one provider
 * session (two tabs of one browser) a provider issues both under one grant (oidc-provider: one
 * grant per provider session and client; Keycloak: one client session), and revoking a refresh
 * token revokes the grant's other tokens too (RFC 7009, 2.1): the new session's refresh would be
 * refused. Then the replaced refresh token is only dropped (the store never hands it out again)
 * and ends with the shared grant, which the surviving session's sign-out revokes.
 *
 * A refresh of the replaced session may be in flight (another tab, a proxied call): the provider
 * may have rotated its refresh token already. The session is therefore ended holding its refresh
 * lock (`SessionRefresher.withSessionLock`, the lock every refresh holds): that refresh finishes
 * and writes first, the session is ended after it (the refresh token read under the lock, which
 * is revoked or dropped by the rule above, is the newest), and a refresh that comes later finds
 * it ended before presenting anything. Without the lock, that refresh would find the session
 * ended when it writes, take the token it was just given for nobody's and revoke it: within one
 * provider session, the new session's grant with it.
 *
 * When the lock is not free within the refresh wait limit (a refresh still at work after 3 lock
 * TTLs, or a dead holder's lock not expired yet), the session is ended all the same: the new
 * sign-in must not fail for it, and the browser's cookie is about to name the new session. A
 * holder that then finds the session ended sees the reason `replaced` and drops the token it was
 * given instead of revoking it (refresh.ts), whatever the grants: it cannot tell them apart. The
 * refresh token read without the lock may be one that holder is rotating; it too is revoked only
 * when the grants are separate, which cannot touch the new session (a provider that revokes one
 * token rather than its grant then keeps the holder's new token, unused, until it expires).
 */
import type { FastifyBaseLogger } from 'fastify';

import { SessionLockBusyError } from './errors.ts';
import { errorSummary } from './routes.ts';
import { isSessionId, type BffContext } from './session-http.ts';
import type { SessionRecord, SessionStore } from './session-store/types.ts';

/** What became of the session the browser held. */
export type Replacement = 'none' | 'ended' | 'ended_and_revoked';

/**
 * Ends the session `previousId` (the cookie the callback arrived with) unless it is the new one,
 * holding its refresh lock (waiting for a refresh in flight, see above), then revokes its refresh
 * token unless it shares the new session's provider session. A failed revocation is logged, not
 * thrown: the session has ended, and the new sign-in must not fail because the provider's
 * revocation endpoint did.
 */
export async function replacePreviousSession(
  context: Pick<BffContext, 'store' | 'oidc' | 'refresher'>,
  previousId: string | undefined,
  current: Pick<SessionRecord, 'id' | 'sub' | 'sid'>,
  log: FastifyBaseLogger,
): Promise<Replacement> {
  if (!previousId || previousId === current.id || !isSessionId(previousId)) return 'none';
  const { store, refresher } = context;
  // No lock for a session that is not there (the usual case: no cookie, or an ended one).
  if ((await store.getSession(previousId)).state !== 'active') return 'none';
  let replaced: SessionRecord | undefined;
  try {
    replaced = await refresher.withSessionLock(previousId, () => endLive(store, previousId));
  } catch (error) {
    if (!(error instanceof SessionLockBusyError)) throw error;
    log.warn(
      'a refresh of the session this browser held is still at work: ended without waiting for it',
    );
    replaced = await endLive(store, previousId);
  }
  if (!replaced) return 'none';
  const { refreshToken } = replaced.tokens;
  if (!refreshToken || !grantIsSeparate(replaced, current)) {
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

/** Ends the session `id` if it is live (reason `replaced`): the record it had, else undefined. */
async function endLive(store: SessionStore, id: string): Promise<SessionRecord | undefined> {
  const lookup = await store.getSession(id);
  if (lookup.state !== 'active') return undefined;
  // Ended first: from here on the tokens are unreachable, whatever the provider answers.
  await store.endSession(id, 'replaced');
  return lookup.session;
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
