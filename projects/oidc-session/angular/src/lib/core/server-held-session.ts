import { SessionState } from './session';
import { RenderedSessionView } from './server/auth-render-context';

/**
 * The session as a server that holds its tokens describes it (the BFF's `/bff/session` answer,
 * or the render context's view of it), made the core's session state: held by the server, no
 * credentials in the page, times on this clock (`now`). `epoch`: the sign-out epoch when the
 * request that brought it started.
 */
export function serverHeldState(
  view: RenderedSessionView,
  now: number,
  epoch: number,
): SessionState {
  return {
    claims: view.user,
    // The server holds a refresh token among its tokens; the page holds no credentials.
    canRefresh: true,
    heldBy: 'server',
    credentials: null,
    receivedAt: now,
    expiresAt: now + view.accessTokenExpiresIn * 1000,
    generation: view.version,
    epoch,
    providerClockOffsetMs: null,
    ...(view.sessionExpiresIn === undefined
      ? {}
      : { sessionEndsAt: now + view.sessionExpiresIn * 1000 }),
  };
}
