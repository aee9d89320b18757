/**
 * The app's pending sign-out, as the BFF sees it. When the user signs out and `POST /bff/logout`
 * is not heard (the BFF unreachable, its store down), the app keeps a small non-secret cookie,
 * `bff_signout_pending=1` (`__Host-bff_signout_pending` off loopback), until the BFF confirms.
 * Any request that reads the session (`/bff/session`, `/bff/refresh`, the API proxy, and a
 * server render later) sees it first: the stored session is ended, its refresh token revoked,
 * and both cookies cleared before the request is answered as signed out. The session cookie is
 * HttpOnly, so script cannot clear it; this cookie is how the user's decision reaches the server.
 */
import type {} from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { SessionEndedError } from './errors.ts';
import type { BffConfig } from './config.ts';
import type { BffContext } from './session-http.ts';

/** The cookie's name: `__Host-` wherever the session cookie has it. */
export function signOutPendingCookie(config: Pick<BffConfig, 'loopback'>): string {
  return `${config.loopback ? '' : '__Host-'}bff_signout_pending`;
}

/** Whether this request carries the app's pending sign-out. */
export function signOutPending(
  config: Pick<BffConfig, 'loopback'>,
  request: FastifyRequest,
): boolean {
  return request.cookies[signOutPendingCookie(config)] === '1';
}

/** Clears the pending cookie (the sign-out is done); same attributes as the app sets. */
export function clearSignOutPending(
  config: Pick<BffConfig, 'loopback'>,
  reply: FastifyReply,
): void {
  reply.clearCookie(signOutPendingCookie(config), {
    path: '/',
    sameSite: 'lax',
    secure: !config.loopback,
  });
}

/**
 * Ends the session `id` because the app asked for it earlier: the store first (a store outage
 * throws, the cookies stay and the app asks again), then the refresh token at the provider (best
 * effort). The caller clears the session cookie.
 * @returns the error the request is answered with: the session ended, signed out.
 */
export async function finishPendingSignOut(
  context: BffContext,
  request: FastifyRequest,
  reply: FastifyReply,
  id: string,
): Promise<SessionEndedError> {
  const lookup = await context.store.getSession(id);
  if (lookup.state === 'active') {
    await context.store.endSession(id, 'signed_out');
    const refreshToken = lookup.session.tokens.refreshToken;
    if (refreshToken) {
      await context.oidc.revoke(refreshToken).catch((error: unknown) => {
        // Best effort, as at /bff/logout: the stored session is already gone.
        request.log.warn({ error: (error as Error)?.name }, 'refresh token revocation failed');
      });
    }
    request.log.info('pending sign-out finished');
  }
  clearSignOutPending(context.config, reply);
  return new SessionEndedError('signed_out');
}
