import { DestroyRef, InjectionToken, inject } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { type KeyPair, generateKeyPair } from 'dpop';
import { filter } from 'rxjs';

import { AuthEventLog } from '../../auth-events';

/** One DPoP key pair as the session layer uses it; `id` tells one key from its successor. */
export interface DpopKey {
  readonly id: string;
  readonly pair: KeyPair;
}

/** What is stored in IndexedDB: the CryptoKey objects themselves (structured clone). */
interface StoredKey {
  readonly id: string;
  readonly pair: KeyPair;
}

export interface DpopKeyStoreOptions {
  readonly indexedDB: IDBFactory;
  /** Web Locks; null where the browser has none (creation stays race-free through `add`). */
  readonly locks: LockManager | null;
  readonly dbName: string;
  /** Makes a new key pair (tests count or slow it); default: a non-extractable ES256 pair. */
  readonly generate?: () => Promise<KeyPair>;
}

const STORE = 'keys';
const RECORD = 'current';
/** The Web Lock every tab takes to create, replace or delete the key. */
export const DPOP_KEY_LOCK = 'oidc-session:dpop-key';
/** Tells the other tabs (and other stores in this one) that the stored key changed. */
const CHANGE_CHANNEL = 'oidc-session:dpop-key';

/**
 * The one DPoP key pair of this browser profile and app, kept in IndexedDB so that every tab,
 * a duplicated tab and a reload use the same key. The private key is non-extractable: a script
 * can use it while the page is open, but can never read it out.
 *
 * Creation is race-free: it runs under a Web Lock and re-reads inside it, and the write is an
 * IndexedDB `add`, which fails if another tab got there first (then that tab's key is read), so
 * two tabs starting at once end with one key even without Web Locks.
 */
export class DpopKeyStore {
  private readonly generate: () => Promise<KeyPair>;
  private db: Promise<IDBDatabase> | null = null;
  private channel: BroadcastChannel | null = null;
  private cache: DpopKey | null = null;

  constructor(private readonly options: DpopKeyStoreOptions) {
    this.generate = options.generate ?? (() => generateKeyPair('ES256', { extractable: false }));
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

  /** The stored key, or a new one when there is none. Two callers at once get the same key. */
  async readOrCreate(): Promise<DpopKey> {
    return this.locked(async () => {
      const existing = await this.read();
      if (existing) return existing;
      const fresh = await this.make();
      try {
        await this.request('readwrite', (store) => store.add(fresh, RECORD));
      } catch (error: unknown) {
        // ConstraintError: another tab (without Web Locks) stored its key first; use that one.
        if (!(error instanceof DOMException && error.name === 'ConstraintError')) throw error;
        const winner = await this.read();
        if (winner) return winner;
        throw error;
      }
      this.changed(fresh);
      return fresh;
    });
  }

  /** Replaces the key with a new one (each sign-in binds its tokens to a key of its own). */
  async rotate(): Promise<DpopKey> {
    return this.locked(async () => {
      const fresh = await this.make();
      await this.request('readwrite', (store) => store.put(fresh, RECORD));
      this.changed(fresh);
      return fresh;
    });
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
