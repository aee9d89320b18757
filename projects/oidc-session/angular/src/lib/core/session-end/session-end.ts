/**
 * When the session will end if nothing happens, and why: the earlier of its idle end (nobody used
 * it for the idle timeout; activity in any tab moves it) and its lifetime end (the BFF's absolute
 * lifetime, the refresh token's lifetime, or a configured maximum: only a new sign-in goes past it).
 * Every tab computes the same one from what the tabs share.
 */
export interface SessionEnd {
  /** Epoch ms on this device's clock. */
  readonly at: number;
  readonly reason: 'idle' | 'lifetime';
}
