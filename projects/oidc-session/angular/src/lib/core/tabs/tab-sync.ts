import { isPlatformServer } from '@angular/common';
import { DestroyRef, InjectionToken, inject, PLATFORM_ID } from '@angular/core';
import { NEVER, Observable, Subject } from 'rxjs';

import { KeyValueStorage, LOCAL_STORAGE } from '../platform/browser-storage';
import { SessionState, readSessionState } from '../session';

/** What tabs of the app tell each other. Same-origin only (BroadcastChannel). */
export type TabMessage =
  /** A token set: a new one after a sign-in or refresh, or an answer to a `session-request`. */
  | { readonly kind: 'session'; readonly tokens: SessionState }
  /** A starting tab asks the open tabs for the live session. */
  | { readonly kind: 'session-request' }
  /**
   * The user signed out: every token set obtained in an older sign-out epoch is dead. The tab
   * that signed out revoked the refresh token of `revokedGeneration`; a tab holding a newer set
   * (one that arrived late) revokes that one itself.
   */
  | { readonly kind: 'signed-out'; readonly epoch: number; readonly revokedGeneration: number }
  /** A refresh failed for good: every tab holding this generation or an older one drops it. */
  | { readonly kind: 'session-expired'; readonly generation: number }
  /** An API refused the access token of this generation right after it was obtained. */
  | { readonly kind: 'token-refused'; readonly generation: number }
  /** Someone used the session at `at` (epoch ms): every tab moves its idle end from there. */
  | { readonly kind: 'activity'; readonly at: number };

/**
 * How tabs coordinate: a message bus, a cross-tab mutex for refreshing, and a registry of
 * which token-set generations live tabs hold. The browser version is built on
 * BroadcastChannel and Web Locks; the fallback keeps each tab on its own.
 */
export interface TabSync {
  /** False in the per-tab fallback. */
  readonly shared: boolean;
  messages(): Observable<TabMessage>;
  post(message: TabMessage): void;
  /** Runs `task` while no other tab runs one; fails if the lock is not granted within `timeoutMs`. */
  withRefreshLock<T>(task: () => Promise<T>, timeoutMs: number): Promise<T>;
  /** The newest generation some live tab (this one included) holds; 0 when none does. */
  newestHeldGeneration(): Promise<number>;
  /** Announces the generation this tab now holds (null: none), replacing the previous one. */
  holdGeneration(generation: number | null): Promise<void>;
  /** Allocates a generation newer than `floor` and than any allocated before, even by closed tabs. */
  nextGeneration(floor: number): number;
  /** The newest generation ever allocated on this origin, whether or not a tab still holds it. */
  lastAllocatedGeneration(): number;
  /** The newest sign-out epoch recorded on this origin (0: never signed out). */
  storedSignOutEpoch(): number;
  /** Records a sign-out epoch; a newer one already recorded is kept. */
  storeSignOutEpoch(epoch: number): void;
  /** The newest generation whose refresh failed for good on this origin (0: none). */
  storedExpiredGeneration(): number;
  /** Records it; a newer one already recorded is kept. */
  storeExpiredGeneration(generation: number): void;
  /** Lets go of the channel, the held generation and the listeners (the app is destroyed). */
  close(): void;
}

export const TAB_SYNC = new InjectionToken<TabSync>('TAB_SYNC', {
  providedIn: 'root',
  factory: () => {
    // A server render is no tab: it must not join (Node has BroadcastChannel) or warn.
    if (isPlatformServer(inject(PLATFORM_ID))) return new PerTabSync(null);
    const tabs = createTabSync(globalThis, inject(LOCAL_STORAGE));
    // Tests and micro-frontends create and destroy apps; a destroyed one must leave no channel open.
    inject(DestroyRef).onDestroy(() => tabs.close());
    return tabs;
  },
});

const CHANNEL_NAME = 'oidc-session';
const REFRESH_LOCK = 'oidc-session:refresh';
const GENERATION_LOCK_PREFIX = 'oidc-session:generation:';
const GENERATION_COUNTER_KEY = 'oidc-session.generation';
const SIGN_OUT_EPOCH_KEY = 'oidc-session.signed-out-epoch';
const EXPIRED_GENERATION_KEY = 'oidc-session.expired-generation';

/** Picks the shared implementation where the browser has both APIs, else the per-tab one. */
export function createTabSync(scope: typeof globalThis, counter: KeyValueStorage | null): TabSync {
  const locks = scope.navigator?.locks;
  if (
    typeof scope.BroadcastChannel === 'function' &&
    locks &&
    typeof locks.request === 'function'
  ) {
    return new BrowserTabSync(new scope.BroadcastChannel(CHANNEL_NAME), locks, counter);
  }
  console.warn(
    '[auth] BroadcastChannel or Web Locks are not available: every tab keeps its own session ' +
      'and refreshes on its own. Duplicated tabs may then present a rotated refresh token.',
  );
  return new PerTabSync(counter);
}

class BrowserTabSync implements TabSync {
  readonly shared = true;
  private readonly incoming = new Subject<TabMessage>();
  private releaseHeldGeneration: (() => void) | null = null;
  private holding: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly channel: BroadcastChannel,
    private readonly locks: LockManager,
    private readonly counter: KeyValueStorage | null,
  ) {
    channel.onmessage = (event: MessageEvent<unknown>) => {
      // Only well-formed messages get through; anything else on the channel is ignored.
      const message = readTabMessage(event.data);
      if (message) this.incoming.next(message);
    };
  }

  messages(): Observable<TabMessage> {
    return this.incoming.asObservable();
  }

  post(message: TabMessage): void {
    if (!this.closed) this.channel.postMessage(message);
  }

  withRefreshLock<T>(task: () => Promise<T>, timeoutMs: number): Promise<T> {
    if (this.closed) return Promise.reject(new Error('[auth] the app was destroyed'));
    return this.locks.request(REFRESH_LOCK, { signal: AbortSignal.timeout(timeoutMs) }, () =>
      task(),
    ) as Promise<T>;
  }

  async newestHeldGeneration(): Promise<number> {
    // The lock manager is one authority for all tabs, so unlike a message or a localStorage
    // read this snapshot cannot lag behind a generation granted before our lock was.
    const snapshot = await this.locks.query();
    let newest = 0;
    for (const lock of snapshot.held ?? []) {
      if (lock.name?.startsWith(GENERATION_LOCK_PREFIX)) {
        newest = Math.max(newest, Number(lock.name.slice(GENERATION_LOCK_PREFIX.length)) || 0);
      }
    }
    return newest;
  }

  holdGeneration(generation: number | null): Promise<void> {
    // One claim at a time, in call order: a second call made before the first was granted
    // must not release a lock the first has not taken yet, nor leave two held.
    const claimed = this.holding.then(() => this.claimGeneration(generation));
    this.holding = claimed.catch(() => undefined);
    return claimed;
  }

  private async claimGeneration(generation: number | null): Promise<void> {
    const previousRelease = this.releaseHeldGeneration;
    this.releaseHeldGeneration = null;
    if (generation !== null && !this.closed) {
      // Take the new lock before letting go of the old one, so a joining tab never sees a
      // moment in which this tab holds nothing.
      try {
        await new Promise<void>((granted, refused) => {
          this.locks
            .request(`${GENERATION_LOCK_PREFIX}${generation}`, { mode: 'shared' }, () => {
              granted();
              // Closed while waiting for the grant: let go at once.
              if (this.closed) return Promise.resolve();
              return new Promise<void>((release) => (this.releaseHeldGeneration = release));
            })
            // A refused request (a security error, a browser shutting down) never calls back:
            // without this the caller would wait for ever.
            .catch(refused);
        });
      } catch (error: unknown) {
        previousRelease?.();
        throw error;
      }
    }
    previousRelease?.();
  }

  nextGeneration(floor: number): number {
    const next = Math.max(floor, this.lastAllocatedGeneration()) + 1;
    try {
      this.counter?.setItem(GENERATION_COUNTER_KEY, String(next));
    } catch {
      // Without a persisted counter generations restart with the tabs; the locks still order live tabs.
    }
    return next;
  }

  lastAllocatedGeneration(): number {
    return Number(this.counter?.getItem(GENERATION_COUNTER_KEY)) || 0;
  }

  storedSignOutEpoch(): number {
    return readNumber(this.counter, SIGN_OUT_EPOCH_KEY);
  }

  storeSignOutEpoch(epoch: number): void {
    writeMax(this.counter, SIGN_OUT_EPOCH_KEY, epoch);
  }

  storedExpiredGeneration(): number {
    return readNumber(this.counter, EXPIRED_GENERATION_KEY);
  }

  storeExpiredGeneration(generation: number): void {
    writeMax(this.counter, EXPIRED_GENERATION_KEY, generation);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.channel.onmessage = null;
    this.channel.close();
    this.incoming.complete();
    this.releaseHeldGeneration?.();
    this.releaseHeldGeneration = null;
  }
}

/** Fallback where the browser lacks BroadcastChannel or Web Locks: each tab on its own. */
export class PerTabSync implements TabSync {
  readonly shared = false;
  private queue: Promise<unknown> = Promise.resolve();
  private lastGeneration = 0;
  private signOutEpoch = 0;

  /** `storage` keeps the sign-out epoch across this tab's reloads (a sign-in redirect). */
  constructor(private readonly storage: KeyValueStorage | null = null) {}

  messages(): Observable<TabMessage> {
    return NEVER;
  }

  post(): void {
    // Nobody to tell.
  }

  withRefreshLock<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  async newestHeldGeneration(): Promise<number> {
    return 0;
  }

  async holdGeneration(): Promise<void> {
    // No other tab asks.
  }

  nextGeneration(floor: number): number {
    this.lastGeneration = Math.max(floor, this.lastGeneration) + 1;
    return this.lastGeneration;
  }

  lastAllocatedGeneration(): number {
    return this.lastGeneration;
  }

  storedSignOutEpoch(): number {
    return Math.max(this.signOutEpoch, readNumber(this.storage, SIGN_OUT_EPOCH_KEY));
  }

  storeSignOutEpoch(epoch: number): void {
    this.signOutEpoch = Math.max(this.signOutEpoch, epoch);
    writeMax(this.storage, SIGN_OUT_EPOCH_KEY, epoch);
  }

  storedExpiredGeneration(): number {
    // Generations are per tab here, so an expiry recorded by another tab means nothing.
    return 0;
  }

  storeExpiredGeneration(): void {
    // Nobody to tell.
  }

  close(): void {
    // Nothing held.
  }
}

function readNumber(storage: KeyValueStorage | null, key: string): number {
  try {
    return Number(storage?.getItem(key)) || 0;
  } catch {
    // Storage that throws on access knows nothing; the in-memory values still order this tab.
    return 0;
  }
}

function writeMax(storage: KeyValueStorage | null, key: string, value: number): void {
  try {
    // Never lower it: another tab may have recorded a newer one meanwhile.
    if (value > readNumber(storage, key)) storage?.setItem(key, String(value));
  } catch {
    // A full or blocked storage: the value still travels with the tabs' message.
  }
}

/**
 * A message from another tab, checked; null when it is not one. A session sent by a tab that
 * still runs an earlier version (during a deploy) is read the way stored ones are.
 */
function readTabMessage(data: unknown): TabMessage | null {
  if (typeof data !== 'object' || data === null) return null;
  const message = data as Record<string, unknown>;
  switch (message['kind']) {
    case 'session': {
      const tokens = readSessionState(message['tokens']);
      return tokens ? { kind: 'session', tokens } : null;
    }
    case 'session-request':
      return { kind: 'session-request' };
    case 'signed-out':
      return Number.isSafeInteger(message['epoch']) &&
        Number.isSafeInteger(message['revokedGeneration'])
        ? (message as unknown as TabMessage)
        : null;
    case 'activity':
      return Number.isSafeInteger(message['at']) ? (message as unknown as TabMessage) : null;
    case 'session-expired':
    case 'token-refused':
      return Number.isSafeInteger(message['generation'])
        ? (message as unknown as TabMessage)
        : null;
    default:
      return null;
  }
}
