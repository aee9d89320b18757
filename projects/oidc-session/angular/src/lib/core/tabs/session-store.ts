import { Injectable, inject } from '@angular/core';
import { BehaviorSubject } from 'rxjs';

import { TokenStorageMode } from '../config/config-types';
import { KeyValueStorage, MemoryStorage, SESSION_STORAGE } from '../platform/browser-storage';
import { SessionState, readSessionState } from '../session';

/** Where the token set is kept in the chosen storage. */
export const TOKENS_KEY = 'oidc-session.tokens';

/**
 * This tab's token set: the one source of truth for "who is signed in with which tokens".
 * Persists to `sessionStorage` (survives a reload, never shared with other origins or with
 * `localStorage` readers) or to memory only, as configured.
 */
@Injectable({ providedIn: 'root' })
export class SessionStore {
  private readonly sessionStorage = inject(SESSION_STORAGE);
  private storage: KeyValueStorage = new MemoryStorage();
  private readonly state = new BehaviorSubject<SessionState | null>(null);

  /** The current token set; replays the latest value. */
  readonly tokens$ = this.state.asObservable();

  /**
   * Chooses where tokens live and returns what an earlier page load of this tab left there.
   * The stored set is not made current here: start-up first checks that no other tab has
   * rotated its refresh token since.
   */
  open(mode: TokenStorageMode): SessionState | null {
    this.storage =
      mode === 'session' && this.sessionStorage ? this.sessionStorage : new MemoryStorage();
    const raw = this.storage.getItem(TOKENS_KEY);
    if (raw === null) return null;
    try {
      const stored = readSessionState(JSON.parse(raw));
      if (stored) return stored;
    } catch {
      // Unparseable leftovers (an older format, a manual edit) are dropped below.
    }
    this.storage.removeItem(TOKENS_KEY);
    return null;
  }

  current(): SessionState | null {
    return this.state.value;
  }

  replace(tokens: SessionState): void {
    try {
      this.storage.setItem(TOKENS_KEY, JSON.stringify(tokens));
    } catch (error) {
      // A full quota must not sign the user out; the session then lives in memory only.
      console.warn('[auth] Could not store the session; it will not survive a reload.', error);
    }
    this.state.next(tokens);
  }

  clear(): void {
    this.storage.removeItem(TOKENS_KEY);
    if (this.state.value !== null) this.state.next(null);
  }
}
