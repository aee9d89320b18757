import { SessionEnd, SessionState } from '../session';

/**
 * The end of `state` if nothing happens: the earlier of its lifetime end (`sessionEndsAt`) and its
 * idle end (the last activity any tab recorded, or the state's receipt when none is known since,
 * plus `idleTimeoutMs`). Null when neither is known. Pure: every tab computes the same end from
 * the same shared state and activity.
 */
export function sessionEndOf(
  state: SessionState | null,
  lastActivityAt: number,
): SessionEnd | null {
  if (!state) return null;
  const lifetime = state.sessionEndsAt;
  const idle =
    state.idleTimeoutMs === undefined
      ? undefined
      : Math.max(lastActivityAt, state.receivedAt) + state.idleTimeoutMs;
  if (idle === undefined && lifetime === undefined) return null;
  if (lifetime === undefined || (idle !== undefined && idle < lifetime)) {
    return { at: idle!, reason: 'idle' };
  }
  return { at: lifetime, reason: 'lifetime' };
}
