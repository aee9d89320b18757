import { InjectionToken, inject } from '@angular/core';
import { NEVER, Observable, Subject } from 'rxjs';

import { KeyValueStorage, LOCAL_STORAGE } from './browser-storage';
import { TokenSet, isTokenSet } from './session';

/** What tabs of the app tell each other. Same-origin only (BroadcastChannel). */
export type TabMessage =
  /** A token set: a new one after a sign-in or refresh, or an answer to a `session-request`. */
  | { readonly kind: 'session'; readonly tokens: TokenSet }
  /** A starting tab asks the open tabs for the live session. */
  | { readonly kind: 'session-request' }
  /** The session ended; every tab holding an older generation drops it. */
  | {
      readonly kind: 'signed-out';
      readonly generation: number;
      readonly reason: 'logout' | 'expired';
    };

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
}

export const TAB_SYNC = new InjectionToken<TabSync>('TAB_SYNC', {
  providedIn: 'root',
  factory: () => createTabSync(globalThis, inject(LOCAL_STORAGE)),
});

const CHANNEL_NAME = 'oidc-session';
const REFRESH_LOCK = 'oidc-session:refresh';
const GENERATION_LOCK_PREFIX = 'oidc-session:generation:';
const GENERATION_COUNTER_KEY = 'oidc-session.generation';

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
  return new PerTabSync();
}

class BrowserTabSync implements TabSync {
  readonly shared = true;
  private readonly incoming = new Subject<TabMessage>();
  private releaseHeldGeneration: (() => void) | null = null;

  constructor(
    private readonly channel: BroadcastChannel,
    private readonly locks: LockManager,
    private readonly counter: KeyValueStorage | null,
  ) {
    channel.onmessage = (event: MessageEvent<unknown>) => {
      // Only well-formed messages get through; anything else on the channel is ignored.
      if (isTabMessage(event.data)) this.incoming.next(event.data);
    };
  }

  messages(): Observable<TabMessage> {
    return this.incoming.asObservable();
  }

  post(message: TabMessage): void {
    this.channel.postMessage(message);
  }

  withRefreshLock<T>(task: () => Promise<T>, timeoutMs: number): Promise<T> {
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

  async holdGeneration(generation: number | null): Promise<void> {
    const previousRelease = this.releaseHeldGeneration;
    this.releaseHeldGeneration = null;
    if (generation !== null) {
      // Take the new lock before letting go of the old one, so a joining tab never sees a
      // moment in which this tab holds nothing.
      await new Promise<void>((granted) => {
        void this.locks.request(
          `${GENERATION_LOCK_PREFIX}${generation}`,
          { mode: 'shared' },
          () => {
            granted();
            return new Promise<void>((release) => (this.releaseHeldGeneration = release));
          },
        );
      });
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
}

/** Fallback where the browser lacks BroadcastChannel or Web Locks: each tab on its own. */
export class PerTabSync implements TabSync {
  readonly shared = false;
  private queue: Promise<unknown> = Promise.resolve();
  private lastGeneration = 0;

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
}

function isTabMessage(data: unknown): data is TabMessage {
  if (typeof data !== 'object' || data === null) return false;
  const message = data as Record<string, unknown>;
  switch (message['kind']) {
    case 'session':
      return isTokenSet(message['tokens']);
    case 'session-request':
      return true;
    case 'signed-out':
      return (
        Number.isSafeInteger(message['generation']) &&
        (message['reason'] === 'logout' || message['reason'] === 'expired')
      );
    default:
      return false;
  }
}
