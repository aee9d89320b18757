import { DestroyRef, InjectionToken, inject } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import type { KeyPair } from 'dpop';
import { filter } from 'rxjs';

import { ɵAuthEventLog as AuthEventLog } from '@oidc-session/angular';

/** One DPoP key pair as the session layer uses it; `id` tells one key from its successor. */
export interface DpopKey {
  readonly id: string;
  readonly pair: KeyPair;
}

/** What is stored in IndexedDB: the CryptoKey objects themselves (structured clone). */
interface StoredKey {
  readonly id: string;
  readonly pair: KeyPair;
  /** A sign-in attempt's key: when it was made (by `now`), for the clean-up of abandoned ones. */
  readonly createdAt?: number;
}

export interface DpopKeyStoreOptions {
  readonly indexedDB: IDBFactory;
  /** Web Locks; null where the browser has none (each write is still one whole transaction). */
  readonly locks: LockManager | null;
  readonly dbName: string;
  /** Makes a new key pair (tests count or slow it); default: a non-extractable ES256 pair. */
  readonly generate?: () => Promise<KeyPair>;
  /** The clock that dates sign-in attempts' keys; default `Date.now`. */
  readonly now?: () => number;
}

const STORE = 'keys';
const RECORD = 'current';
/** Sign-in attempts' keys are stored beside the shared one, under this prefix and their id. */
const ATTEMPT_PREFIX = 'attempt:';
/** Every attempt's record (made when used: there is no IDBKeyRange outside a browser). */
const attempts = () => IDBKeyRange.bound(ATTEMPT_PREFIX, `${ATTEMPT_PREFIX}\uffff`);
/**
 * At most this many sign-in attempts' keys are kept (the newest): more tabs than this signing
 * in at the very same time is not a real user, and an attempt whose key was dropped still
 * completes (its code exchange proves with a new key of its own, see DpopSupport).
 */
export const MAX_SIGN_IN_KEYS = 4;
/** An attempt's key this old belongs to a sign-in abandoned at the provider. */
export const SIGN_IN_KEY_MAX_AGE_MS = 60 * 60 * 1000;
/** The Web Lock every tab takes to prepare, adopt or delete a key. */
export const DPOP_KEY_LOCK = 'oidc-session:dpop-key';
/** Tells the other tabs (and other stores in this one) that the stored key changed. */
const CHANGE_CHANNEL = 'oidc-session:dpop-key';

/**
 * The one DPoP key pair of this browser profile and app, kept in IndexedDB so that every tab,
 * a duplicated tab and a reload use the same key. The private key is non-extractable: a script
 * can use it while the page is open, but can never read it out.
 *
 * A sign-in gets a key of its own ({@link prepareSignInKey}), stored beside the shared one; it
 * replaces the shared key only when that sign-in's session is adopted ({@link adoptSignInKey}),
 * so a sign-in abandoned at the provider never breaks the session the other tabs hold. Abandoned
 * attempts' keys are deleted when the next attempt is prepared (older than
 * {@link SIGN_IN_KEY_MAX_AGE_MS}, or beyond the newest {@link MAX_SIGN_IN_KEYS}).
 *
 * Every write runs under a Web Lock (where the browser has them) and in one IndexedDB
 * transaction, so the shared key is always one whole key: the last adopted one.
 */
export class DpopKeyStore {
  private readonly generate: () => Promise<KeyPair>;
  private readonly now: () => number;
  private db: Promise<IDBDatabase> | null = null;
  private channel: BroadcastChannel | null = null;
  private cache: DpopKey | null = null;

  constructor(private readonly options: DpopKeyStoreOptions) {
    // `dpop` is imported when the first key is made: a session without DPoP never loads it.
    this.generate =
      options.generate ??
      (async () => (await import('dpop')).generateKeyPair('ES256', { extractable: false }));
    this.now = options.now ?? Date.now;
  }

  /** The key last read or made by this store, without touching IndexedDB (the request path). */
  cached(): DpopKey | null {
    this.listen();
    return this.cache;
  }

  /** The stored key, read again from IndexedDB (another tab may have replaced it), or null. */
  async read(): Promise<DpopKey | null> {
    this.listen();
    const stored = await this.request<StoredKey | undefined>('readonly', (store) =>
      store.get(RECORD),
    );
    this.cache = stored ? { id: stored.id, pair: stored.pair } : null;
    return this.cache;
  }

  /**
   * A new key for one sign-in attempt, stored beside the shared key, which stays as it is; the
   * keys of attempts abandoned earlier are deleted here (too old, or beyond the newest few).
   */
  async prepareSignInKey(): Promise<DpopKey> {
    return this.locked(async () => {
      const fresh: StoredKey = { ...(await this.make()), createdAt: this.now() };
      await this.request('readwrite', (store) => store.put(fresh, ATTEMPT_PREFIX + fresh.id));
      await this.pruneSignInKeys(fresh.id);
      return { id: fresh.id, pair: fresh.pair };
    });
  }

  /** The key of the sign-in attempt `id`, or null when it is gone. */
  async signInKey(id: string): Promise<DpopKey | null> {
    const stored = await this.request<StoredKey | undefined>('readonly', (store) =>
      store.get(ATTEMPT_PREFIX + id),
    );
    return stored ? { id: stored.id, pair: stored.pair } : null;
  }

  /** The ids of the sign-in attempts' keys kept now. */
  async signInKeyIds(): Promise<string[]> {
    const stored = await this.request<StoredKey[]>('readonly', (store) => store.getAll(attempts()));
    return stored.map((key) => key.id);
  }

  /**
   * Sign-in attempt `id` completed and its session is adopted: its key becomes the key every
   * tab shares (in one transaction with the attempt's record going), and the other tabs are
   * told. Null, and nothing changed, when the attempt's key is gone.
   */
  async adoptSignInKey(id: string): Promise<DpopKey | null> {
    return this.locked(async () => {
      const attempt = await this.signInKey(id);
      if (!attempt) return null;
      await this.request('readwrite', (store) => {
        store.delete(ATTEMPT_PREFIX + id);
        return store.put(attempt, RECORD);
      });
      this.changed(attempt);
      return attempt;
    });
  }

  /** Deletes the key of sign-in attempt `id` (a sign-in that failed); the shared key stays. */
  async dropSignInKey(id: string): Promise<void> {
    await this.request('readwrite', (store) => store.delete(ATTEMPT_PREFIX + id));
  }

  /** Deletes the key: the tokens bound to it become useless everywhere. */
  async delete(): Promise<void> {
    await this.locked(async () => {
      await this.request('readwrite', (store) => store.delete(RECORD));
      this.changed(null);
    });
  }

  /** {@link delete} for sign-out paths, which must not fail because of it. */
  discard(): Promise<void> {
    return this.delete().catch((error: unknown) => {
      // The tokens are dropped anyway; a key left behind is replaced at the next sign-in.
      console.warn('[auth] Deleting the DPoP key failed.', describe(error));
    });
  }

  /** Lets go of the database connection and the change channel. */
  close(): void {
    this.channel?.close();
    this.channel = null;
    void this.db?.then((db) => db.close()).catch(() => undefined);
    this.db = null;
  }

  private async make(): Promise<StoredKey> {
    return { id: randomId(), pair: await this.generate() };
  }

  /** Deletes abandoned attempts' keys: older than the limit, or beyond the newest few. */
  private async pruneSignInKeys(keep: string): Promise<void> {
    const stored = await this.request<StoredKey[]>('readonly', (store) => store.getAll(attempts()));
    const now = this.now();
    const newestFirst = [...stored].sort((a, b) => (b.createdAt ?? 0) - (a.createdAt ?? 0));
    const stale = newestFirst.filter(
      (key, index) =>
        key.id !== keep &&
        (index >= MAX_SIGN_IN_KEYS || !(now - (key.createdAt ?? 0) < SIGN_IN_KEY_MAX_AGE_MS)),
    );
    if (stale.length === 0) return;
    await this.request('readwrite', (store) =>
      stale.map((key) => store.delete(ATTEMPT_PREFIX + key.id)).at(-1)!,
    );
  }

  private changed(key: DpopKey | null): void {
    this.cache = key;
    this.channel?.postMessage('changed');
  }

  /** Another tab (or store) replaced or deleted the key: the next use reads it again. */
  private listen(): void {
    if (this.channel || typeof BroadcastChannel === 'undefined') return;
    this.channel = new BroadcastChannel(`${CHANGE_CHANNEL}:${this.options.dbName}`);
    this.channel.onmessage = () => (this.cache = null);
  }

  private locked<T>(work: () => Promise<T>): Promise<T> {
    this.listen();
    const locks = this.options.locks;
    return locks ? (locks.request(DPOP_KEY_LOCK, work) as Promise<T>) : work();
  }

  private async request<T>(
    mode: IDBTransactionMode,
    operation: (store: IDBObjectStore) => IDBRequest,
  ): Promise<T> {
    const db = await this.open();
    return new Promise<T>((resolve, reject) => {
      const transaction = db.transaction(STORE, mode);
      const request = operation(transaction.objectStore(STORE));
      // Resolved when the transaction commits, so a written key is durable before it is used.
      transaction.oncomplete = () => resolve(request.result as T);
      transaction.onerror = () => reject(request.error ?? transaction.error);
      transaction.onabort = () => reject(request.error ?? transaction.error);
    });
  }

  private open(): Promise<IDBDatabase> {
    this.db ??= new Promise<IDBDatabase>((resolve, reject) => {
      const request = this.options.indexedDB.open(this.options.dbName, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE);
      request.onsuccess = () => {
        const db = request.result;
        // Another version wants the database (a newer app): step aside instead of blocking it.
        db.onversionchange = () => db.close();
        resolve(db);
      };
      request.onerror = () => reject(request.error);
    }).catch((error: unknown) => {
      // Private modes refuse IndexedDB at open; the next attempt asks again.
      this.db = null;
      throw error;
    });
    return this.db;
  }
}

/**
 * The browser's key store, or null where IndexedDB or WebCrypto is missing (then the session
 * falls back to Bearer tokens, or refuses to sign in when the configuration requires DPoP).
 * A sign-out, here or in another tab, deletes the key: each tab that hears of it deletes, so the
 * key is gone even if the signing-out tab navigates away before its delete commits.
 */
export const DPOP_KEY_STORE = new InjectionToken<DpopKeyStore | null>('DPOP_KEY_STORE', {
  providedIn: 'root',
  factory: () => {
    const store = browserKeyStore();
    if (!store) return null;
    inject(DestroyRef).onDestroy(() => store.close());
    inject(AuthEventLog)
      .events$.pipe(
        filter((event) => event.type === 'signed-out' && event.reason === 'logout'),
        takeUntilDestroyed(),
      )
      .subscribe(() => void store.discard());
    return store;
  },
});

function browserKeyStore(): DpopKeyStore | null {
  let indexedDB: IDBFactory | undefined;
  try {
    indexedDB = globalThis.indexedDB;
  } catch {
    // Sandboxed frames throw on mere access; that is no IndexedDB.
    return null;
  }
  if (!indexedDB || !globalThis.crypto?.subtle) return null;
  return new DpopKeyStore({
    indexedDB,
    locks: globalThis.navigator?.locks ?? null,
    dbName: 'oidc-session.dpop',
  });
}

function randomId(): string {
  return globalThis.crypto.randomUUID();
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
