import { isPlatformServer } from '@angular/common';
import {
  DOCUMENT,
  DestroyRef,
  Injectable,
  InjectionToken,
  inject,
  signal,
  PLATFORM_ID,
} from '@angular/core';

import { KeyValueStorage, LOCAL_STORAGE } from '../platform/browser-storage';

/** localStorage key: '1' while a sign-out the server has not confirmed is pending. */
export const SIGN_OUT_PENDING_KEY = 'oidc-session.sign-out-pending';

/**
 * Tells the server about a pending sign-out on every request, whatever the app sends: sets or
 * clears a small non-secret cookie (`bff_signout_pending=1`; `__Host-` on https). The BFF ends
 * the session of any request that carries it (bff/README.md, "Pending sign-out"), so a server
 * render, a proxied API call or an old tab cannot revive a session the user ended.
 */
export const SIGN_OUT_PENDING_COOKIE = new InjectionToken<(pending: boolean) => void>(
  'SIGN_OUT_PENDING_COOKIE',
  {
    providedIn: 'root',
    // The server's document is the render's, not the browser's: nothing to write there.
    factory: () =>
      isPlatformServer(inject(PLATFORM_ID))
        ? () => undefined
        : documentCookieWriter(inject(DOCUMENT)),
  },
);

/** 30 days: outlives a browser restart, so the next visit's first request still carries it. */
const COOKIE_MAX_AGE_SECONDS = 30 * 24 * 3600;

function documentCookieWriter(document: Document): (pending: boolean) => void {
  return (pending) => {
    const secure = document.location?.protocol === 'https:';
    const name = `${secure ? '__Host-' : ''}bff_signout_pending`;
    const attributes = `Path=/; SameSite=Lax${secure ? '; Secure' : ''}`;
    document.cookie = pending
      ? `${name}=1; Max-Age=${COOKIE_MAX_AGE_SECONDS}; ${attributes}`
      : `${name}=; Max-Age=0; ${attributes}`;
  };
}

/**
 * The user's decision to sign out, until the server that holds the session has carried it out.
 * Kept in localStorage (every tab of the origin reads it before asking the server anything, and
 * hears of changes through the `storage` event) and in a cookie (every request carries it). Not a
 * secret: it says only "end my session".
 */
@Injectable({ providedIn: 'root' })
export class SignOutPending {
  private readonly storage: KeyValueStorage | null = inject(LOCAL_STORAGE);
  private readonly writeCookie = inject(SIGN_OUT_PENDING_COOKIE);
  /** This tab's own record, for when localStorage is blocked. */
  private pendingHere = false;
  private readonly state = signal(this.isPending());

  /** Whether a sign-out waits for the server, for templates. */
  readonly pending = this.state.asReadonly();

  constructor() {
    // Other tabs' storage events reach a browser window only; a server render has none.
    const view = isPlatformServer(inject(PLATFORM_ID)) ? null : inject(DOCUMENT).defaultView;
    const onStorage = (event: StorageEvent) => {
      if (event.key === SIGN_OUT_PENDING_KEY || event.key === null)
        this.state.set(this.isPending());
    };
    view?.addEventListener('storage', onStorage);
    inject(DestroyRef).onDestroy(() => view?.removeEventListener('storage', onStorage));
  }

  /** Whether some tab of this origin signed out and the server has not confirmed it yet. */
  isPending(): boolean {
    if (this.pendingHere) return true;
    try {
      return this.storage?.getItem(SIGN_OUT_PENDING_KEY) === '1';
    } catch {
      // Storage that throws knows nothing; this tab's own record still holds.
      return false;
    }
  }

  /** The user signed out: nothing may sign any tab in until the server confirms. */
  record(): void {
    this.pendingHere = true;
    try {
      this.storage?.setItem(SIGN_OUT_PENDING_KEY, '1');
    } catch {
      // Blocked storage: this tab remembers, and the cookie tells the server.
    }
    this.writeCookie(true);
    this.state.set(true);
  }

  /** The server confirmed that the session is gone. */
  clear(): void {
    this.pendingHere = false;
    try {
      this.storage?.removeItem(SIGN_OUT_PENDING_KEY);
    } catch {
      // Blocked storage held nothing of ours.
    }
    this.writeCookie(false);
    this.state.set(false);
  }
}
