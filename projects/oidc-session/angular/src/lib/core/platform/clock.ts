import { InjectionToken } from '@angular/core';

/**
 * Wall-clock time in epoch milliseconds. Injected (never `Date.now()` directly) so that tests
 * can jump past an expiry without waiting, the way a laptop does when it wakes from sleep.
 */
export interface Clock {
  now(): number;
}

export const CLOCK = new InjectionToken<Clock>('CLOCK', {
  providedIn: 'root',
  factory: () => ({ now: () => Date.now() }),
});
