import { Injectable, inject } from '@angular/core';

import {
  ɵKeyValueStorage as KeyValueStorage,
  ɵLOGIN_ROUTE as LOGIN_ROUTE,
  ɵSESSION_STORAGE as SESSION_STORAGE,
} from '@oidc-session/angular';

/** This tab's mark that it left for `/bff/login`; in sessionStorage, so per tab. */
const PENDING_KEY = 'oidc-session.bff.sign-in-pending';

/**
 * Whether this tab has a sign-in under way at the BFF. The BFF sends a failed sign-in back to
 * `/login?returnUrl=…&error=<code>`, and nothing in that URL says which tab (or which stranger's
 * link) it came from; so the tab marks itself just before it leaves for `/bff/login`, and the
 * first page load after that (the way back, whatever it brings) takes the mark. An `error=`
 * anywhere else, or in a tab that did not leave, is the app's own query parameter.
 */
@Injectable({ providedIn: 'root' })
export class BffPendingSignIn {
  private readonly storage: KeyValueStorage | null = inject(SESSION_STORAGE);
  private readonly loginRoute = inject(LOGIN_ROUTE);

  /** Just before leaving for the BFF's sign-in. */
  mark(): void {
    try {
      this.storage?.setItem(PENDING_KEY, '1');
    } catch {
      // A full or refused storage: the BFF's error answer will then not be shown (never wrong).
    }
  }

  /**
   * At start-up: whether this page load is the way back from this tab's sign-in onto the login
   * route (where the BFF puts its error). The mark is used once, whatever the answer.
   */
  takeOnLoginRoute(pathname: string): boolean {
    const marked = this.storage?.getItem(PENDING_KEY) === '1';
    if (marked) this.storage?.removeItem(PENDING_KEY);
    return marked && pathname === this.loginRoute;
  }
}
