import { Injectable, inject } from '@angular/core';

import {
  ɵKeyValueStorage as KeyValueStorage,
  ɵSESSION_STORAGE as SESSION_STORAGE,
} from '@oidc-session/angular';

/** sessionStorage key: the return path of a `prompt=none` sign-in this tab left for. */
const SILENT_SIGN_IN_KEY = 'oidc-session.silent-sign-in';

/** OpenID Connect Core 3.1.2.6: a `prompt=none` request that needs the user answers these. */
const NEEDS_INTERACTION = new Set([
  'login_required',
  'interaction_required',
  'consent_required',
  'account_selection_required',
]);

/**
 * A sign-in without any page at the provider (`prompt=none`, "Stay signed in" at the end of a
 * session's lifetime), remembered across the redirect: when the provider answers that it needs
 * the user, the tab goes on to the ordinary sign-in rather than showing an error. Never twice:
 * the ordinary sign-in is not silent, so it cannot loop.
 */
@Injectable({ providedIn: 'root' })
export class SilentSignIn {
  private readonly storage: KeyValueStorage | null = inject(SESSION_STORAGE);

  static needsInteraction(error: string): boolean {
    return NEEDS_INTERACTION.has(error);
  }

  /** As the tab leaves for a sign-in: its return path when it is silent, else null. */
  mark(returnPath: string | null): void {
    try {
      if (returnPath === null) this.storage?.removeItem(SILENT_SIGN_IN_KEY);
      else this.storage?.setItem(SILENT_SIGN_IN_KEY, returnPath);
    } catch {
      // Without it a silent sign-in that needs the user shows the provider's error instead.
    }
  }

  /** The return path of the silent sign-in this page load returns from (used once), or null. */
  take(): string | null {
    const returnPath = this.storage?.getItem(SILENT_SIGN_IN_KEY) ?? null;
    this.storage?.removeItem(SILENT_SIGN_IN_KEY);
    return returnPath;
  }
}
