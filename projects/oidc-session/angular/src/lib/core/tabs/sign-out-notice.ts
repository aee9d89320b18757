import { Injectable, inject, signal } from '@angular/core';

import { KeyValueStorage, SESSION_STORAGE } from '../platform/browser-storage';

/**
 * What the page after a sign-out says: `complete` (signed out, nothing more to say), or why the
 * sign-out may have left the provider's own session open:
 * - `provider_unreachable`: the browser was offline or the provider gave no answer at all, so
 *   the app stayed here instead of showing a browser error page;
 * - `no_end_session`: the provider publishes no end-session endpoint to send the user to;
 * - `refresh_token_not_revoked`: the provider has no revocation endpoint, so the refresh token the
 *   BFF held stays valid at the provider until it expires (BFF mode).
 */
export type SignOutNotice =
  'complete' | 'provider_unreachable' | 'no_end_session' | 'refresh_token_not_revoked';

const NOTICE_KEY = 'oidc-session.sign-out-notice';
const NOTICES: readonly SignOutNotice[] = [
  'complete',
  'provider_unreachable',
  'no_end_session',
  'refresh_token_not_revoked',
];

/**
 * Carries a sign-out's notice across the page load that follows it (sessionStorage, this tab);
 * shown once, then forgotten.
 */
@Injectable({ providedIn: 'root' })
export class SignOutNoticeStore {
  private readonly storage: KeyValueStorage | null = inject(SESSION_STORAGE);
  private readonly notice = signal<SignOutNotice | null>(this.takeStored());

  /** The notice of the sign-out that led to this page load, if any. */
  readonly current = this.notice.asReadonly();

  /** Keeps `notice` for the next page load of this tab. */
  record(notice: SignOutNotice): void {
    try {
      this.storage?.setItem(NOTICE_KEY, notice);
    } catch {
      // Without storage the notice is lost; the sign-out itself has happened.
    }
    this.notice.set(notice);
  }

  /** The user has read it. */
  dismiss(): void {
    this.notice.set(null);
  }

  private takeStored(): SignOutNotice | null {
    const stored = this.storage?.getItem(NOTICE_KEY) ?? null;
    this.storage?.removeItem(NOTICE_KEY);
    return NOTICES.find((notice) => notice === stored) ?? null;
  }
}
