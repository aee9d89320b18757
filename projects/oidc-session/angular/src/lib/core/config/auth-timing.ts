import { InjectionToken } from '@angular/core';

/** Time limits of the session layer. Defaults suit people; tests shrink them. */
export interface AuthTiming {
  /** One token-endpoint request gives up (and counts as transient) after this long. */
  readonly tokenRequestTimeoutMs: number;
  /** Pauses before the 2nd, 3rd, ... attempt of a transiently failing refresh. */
  readonly refreshRetryDelaysMs: readonly number[];
  /** How long a tab waits for another tab's refresh before failing its requests as transient. */
  readonly refreshLockTimeoutMs: number;
  /** How long a starting tab waits for an open tab to hand over the live session. */
  readonly tabJoinTimeoutMs: number;
  /** Revocation at sign-out is best effort: the tabs are already signed out. */
  readonly revocationTimeoutMs: number;
}

export const DEFAULT_AUTH_TIMING: AuthTiming = {
  tokenRequestTimeoutMs: 10_000,
  refreshRetryDelaysMs: [500, 2_000],
  refreshLockTimeoutMs: 45_000,
  tabJoinTimeoutMs: 1_500,
  revocationTimeoutMs: 3_000,
};

export const AUTH_TIMING = new InjectionToken<AuthTiming>('AUTH_TIMING', {
  providedIn: 'root',
  factory: () => DEFAULT_AUTH_TIMING,
});
