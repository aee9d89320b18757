import { isPlatformServer } from '@angular/common';
import { DOCUMENT, Injectable, PLATFORM_ID, inject } from '@angular/core';

const KEY = 'oidc-session.sign-in-started';

/** As long as a sign-in may take (the BFF's sign-in cookie lives this long too). */
const MAX_AGE_MS = 10 * 60 * 1000;

/**
 * Remembers, in this tab, that a sign-in left for the provider, so that coming back to the login
 * page with the browser's Back button (no answer from the provider) can be told from a first
 * visit: a provider never redirects to a redirect URI that is not registered, it shows its own
 * error page, and the user comes back here by hand. Only a timestamp is kept, never a token.
 */
@Injectable({ providedIn: 'root' })
export class SignInAttempt {
  /** The browser window; none while rendering on the server, which has no tab to remember in. */
  private readonly window = isPlatformServer(inject(PLATFORM_ID))
    ? null
    : inject(DOCUMENT).defaultView;

  /** Called just before leaving for the provider. */
  started(): void {
    try {
      this.window?.sessionStorage.setItem(KEY, String(Date.now()));
    } catch {
      // No storage (private mode, SSR): the hint is lost, the sign-in is not.
    }
  }

  /** The sign-in did not leave after all. */
  forget(): void {
    try {
      this.window?.sessionStorage.removeItem(KEY);
    } catch {
      // No storage: nothing to forget.
    }
  }

  /**
   * True once when this page was reached with Back (or restored from the back/forward cache)
   * after a sign-in left from this tab less than ten minutes ago; the mark is then forgotten.
   */
  cameBackWithoutAnswer(restored = false): boolean {
    const window = this.window;
    if (!window) return false;
    let startedAt: number;
    try {
      startedAt = Number(window.sessionStorage.getItem(KEY));
      window.sessionStorage.removeItem(KEY);
    } catch {
      // No storage: nothing was remembered.
      return false;
    }
    const navigation = window.performance?.getEntriesByType?.('navigation')[0] as
      PerformanceNavigationTiming | undefined;
    const back = restored || navigation?.type === 'back_forward';
    return back && startedAt > 0 && Date.now() - startedAt < MAX_AGE_MS;
  }
}
