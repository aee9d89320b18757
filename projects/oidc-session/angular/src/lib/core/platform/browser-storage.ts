import { isPlatformServer } from '@angular/common';
import { InjectionToken, inject, PLATFORM_ID } from '@angular/core';

/** The part of the Web Storage API the session layer uses; lets tests pass a plain object. */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** In-memory storage: the `memory` token mode, and the fallback where Web Storage is blocked. */
export class MemoryStorage implements KeyValueStorage {
  private readonly items = new Map<string, string>();

  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }

  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }

  removeItem(key: string): void {
    this.items.delete(key);
  }
}

/**
 * This tab's `sessionStorage` (tokens), or null where the browser refuses access, and on the
 * server, which renders pages for every user and holds no tab's storage.
 */
export const SESSION_STORAGE = new InjectionToken<KeyValueStorage | null>('SESSION_STORAGE', {
  providedIn: 'root',
  factory: () =>
    isPlatformServer(inject(PLATFORM_ID)) ? null : probe(() => globalThis.sessionStorage),
});

/** `localStorage`, for the non-secret generation counter only; never for tokens. */
export const LOCAL_STORAGE = new InjectionToken<KeyValueStorage | null>('LOCAL_STORAGE', {
  providedIn: 'root',
  factory: () =>
    isPlatformServer(inject(PLATFORM_ID)) ? null : probe(() => globalThis.localStorage),
});

function probe(get: () => Storage | undefined): KeyValueStorage | null {
  try {
    const storage = get();
    if (!storage) return null;
    storage.getItem('oidc-session.probe');
    return storage;
  } catch {
    // Sandboxed iframes and some privacy modes throw on mere access to Web Storage.
    return null;
  }
}
