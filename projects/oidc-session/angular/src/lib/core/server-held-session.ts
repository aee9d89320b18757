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
    ...(idleTimeoutOf(view) === undefined ? {} : { idleTimeoutMs: idleTimeoutOf(view)! * 1000 }),
  };
}

/**
 * When the server last counted the session as used, on this clock (`now`): its idle end minus its
 * idle timeout. Undefined when the server does not say.
 */
export function serverActivityAt(
  view: Pick<RenderedSessionView, 'idleExpiresIn' | 'idleTimeout'>,
  now: number,
): number | undefined {
  const timeout = idleTimeoutOf(view);
  const left = view.idleExpiresIn;
  if (timeout === undefined || typeof left !== 'number' || !Number.isFinite(left) || left < 0) {
    return undefined;
  }
  return now - (timeout - Math.min(left, timeout)) * 1000;
}

function idleTimeoutOf(view: Pick<RenderedSessionView, 'idleTimeout'>): number | undefined {
  const timeout = view.idleTimeout;
  return typeof timeout === 'number' && Number.isFinite(timeout) && timeout > 0
    ? timeout
    : undefined;
}
