import { isPlatformServer } from '@angular/common';
import { InjectionToken, inject, PLATFORM_ID } from '@angular/core';

/**
 * Leaves the app for another URL (the provider's sign-in or sign-out page). A token so that
 * unit tests can record the redirect instead of unloading the test runner.
 */
export const PAGE_NAVIGATION = new InjectionToken<(url: string) => void>('PAGE_NAVIGATION', {
  providedIn: 'root',
  factory: () =>
    isPlatformServer(inject(PLATFORM_ID))
      ? () => {
          // Sign-in and sign-out are the user's clicks; a server render has no page to leave.
          throw new Error(
            '[auth] A server render cannot leave the page; sign in or out in the browser.',
          );
        }
      : (url: string) => globalThis.location.assign(url),
});
