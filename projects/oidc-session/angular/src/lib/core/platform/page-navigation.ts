import { InjectionToken } from '@angular/core';

/**
 * Leaves the app for another URL (the provider's sign-in or sign-out page). A token so that
 * unit tests can record the redirect instead of unloading the test runner.
 */
export const PAGE_NAVIGATION = new InjectionToken<(url: string) => void>('PAGE_NAVIGATION', {
  providedIn: 'root',
  factory: () => (url: string) => globalThis.location.assign(url),
});
