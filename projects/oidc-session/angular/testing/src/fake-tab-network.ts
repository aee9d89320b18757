import { Observable, Subject } from 'rxjs';

import { ɵTabMessage as TabMessage, ɵTabSync as TabSync } from '@oidc-session/angular';

/**
 * Several "tabs" in one test: a message bus that delivers like BroadcastChannel (to every other
 * tab, asynchronously, as a copy), one shared refresh lock, one registry of held generations
 * and one generation counter standing in for localStorage.
 */
export class FakeTabNetwork {
  private readonly tabs = new Set<FakeTab>();
  private lockQueue: Promise<unknown> = Promise.resolve();
  /** The persisted generation counter (localStorage in a browser). */
  counter = 0;
  /** The persisted sign-out epoch (localStorage in a browser). */
  signOutEpoch = 0;
  /** The persisted newest generation whose refresh failed for good. */
  expiredGeneration = 0;
  /** How many times any tab entered the refresh lock. */
  lockEntries = 0;

  /** Opens a tab on this network. */
  tab(): FakeTab {
    const tab = new FakeTab(this);
    this.tabs.add(tab);
    return tab;
  }

  /** @internal */
  deliver(sender: FakeTab, message: TabMessage): void {
    for (const tab of this.tabs) {
      if (tab !== sender && !tab.closed) setTimeout(() => tab.receive(structuredClone(message)), 0);
    }
  }

  /** @internal */
  runExclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.lockQueue.then(() => {
      this.lockEntries++;
      return task();
    });
    this.lockQueue = run.catch(() => undefined);
    return run;
  }

  /** @internal */
  newestHeld(): number {
    let newest = 0;
    for (const tab of this.tabs) if (!tab.closed) newest = Math.max(newest, tab.held ?? 0);
    return newest;
  }
}

export class FakeTab implements TabSync {
  readonly shared = true;
  private readonly incoming = new Subject<TabMessage>();
  /** The generation this tab announces, if any. */
  held: number | null = null;
  closed = false;

  constructor(private readonly network: FakeTabNetwork) {}

  messages(): Observable<TabMessage> {
    return this.incoming.asObservable();
  }

  post(message: TabMessage): void {
    this.network.deliver(this, message);
  }

  withRefreshLock<T>(task: () => Promise<T>): Promise<T> {
    return this.network.runExclusive(task);
  }

  async newestHeldGeneration(): Promise<number> {
    return this.network.newestHeld();
  }

  async holdGeneration(generation: number | null): Promise<void> {
    this.held = generation;
  }

  nextGeneration(floor: number): number {
    this.network.counter = Math.max(floor, this.network.counter) + 1;
    return this.network.counter;
  }

  lastAllocatedGeneration(): number {
    return this.network.counter;
  }

  storedSignOutEpoch(): number {
    return this.network.signOutEpoch;
  }

  storeSignOutEpoch(epoch: number): void {
    this.network.signOutEpoch = Math.max(this.network.signOutEpoch, epoch);
  }

  storedExpiredGeneration(): number {
    return this.network.expiredGeneration;
  }

  storeExpiredGeneration(generation: number): void {
    this.network.expiredGeneration = Math.max(this.network.expiredGeneration, generation);
  }

  /** Closing a tab releases what it held and stops its messages. */
  close(): void {
    this.closed = true;
    this.held = null;
  }

  /** @internal */
  receive(message: TabMessage): void {
    if (!this.closed) this.incoming.next(message);
  }
}
