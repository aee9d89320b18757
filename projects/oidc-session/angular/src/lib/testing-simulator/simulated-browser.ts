import { KeyValueStorage, MemoryStorage } from '../core/platform/browser-storage';
import { LockRegistry } from './simulated-locks';
import { VirtualTime } from './virtual-time';

/** A message crossing the simulated BroadcastChannel, for a test's story. */
export interface Delivery {
  readonly from: string;
  readonly to: string;
  readonly data: unknown;
}

/**
 * One origin in a simulated browser: the tabs' shared `localStorage`, one Web Locks registry
 * and BroadcastChannel delivery between pages, all on {@link VirtualTime}. Each page load of a
 * tab is a {@link SimulatedPage}; pass its `scope` to `createTabSync` to get the real
 * BrowserTabSync on top of these fakes.
 */
export class SimulatedBrowser {
  /** The origin's localStorage as the pages share it (each page writes through its own gate). */
  readonly localStorage = new MemoryStorage();
  readonly locks = new LockRegistry();
  /** @internal */
  readonly channels = new Set<SimulatedChannel>();
  /** Told of every message as it reaches a page (before the page's handler runs). */
  onDelivery: (delivery: Delivery) => void = () => undefined;

  constructor(readonly time: VirtualTime) {}

  /** A new page (a tab's document); `label` names it in lock snapshots and deliveries. */
  openPage(label: string): SimulatedPage {
    return new SimulatedPage(this, label);
  }
}

/**
 * One document: its BroadcastChannels and Web Locks client. Closing it (the tab closes,
 * reloads or navigates away) closes its channels and releases its locks; the page's code may
 * keep running in a simulation, so its storage writes and messages go nowhere after that.
 */
export class SimulatedPage {
  /** Extra delay of every message delivered to this page: a tab that is slow to answer. */
  deliveryDelayMs = 0;
  private open = true;
  private readonly closeListeners: (() => void)[] = [];
  /** When the page went away (null while open). */
  closedAt: number | null = null;
  /** Deliveries to this page not made yet, by the time they were posted. */
  private readonly inbox = new Set<{ readonly postedAt: number }>();
  /** @internal FIFO per receiver: no message overtakes an earlier one. */
  lastDeliveryAt = 0;
  /** What `createTabSync(scope, ...)` needs: BroadcastChannel and navigator.locks. */
  readonly scope: typeof globalThis;
  /** This page's view of localStorage. */
  readonly localStorage: KeyValueStorage;

  constructor(
    readonly browser: SimulatedBrowser,
    readonly label: string,
  ) {
    const page = this;
    const locks = browser.locks.managerFor(label);
    this.scope = {
      BroadcastChannel: class extends SimulatedChannel {
        constructor(name: string) {
          super(page, name);
        }
      },
      navigator: { locks },
    } as unknown as typeof globalThis;
    this.localStorage = this.gate(browser.localStorage);
  }

  get isOpen(): boolean {
    return this.open;
  }

  /** Whether a message posted at or before `time` is still on its way to this page. */
  awaitsMessagesPostedBy(time: number): boolean {
    for (const item of this.inbox) if (item.postedAt <= time) return true;
    return false;
  }

  /** Runs `listener` when the page goes away (at once if it has). */
  whenClosed(listener: () => void): void {
    if (this.open) this.closeListeners.push(listener);
    else listener();
  }

  /** A view of `storage` that ignores writes once this page is closed. */
  gate(storage: KeyValueStorage): KeyValueStorage {
    return {
      getItem: (key) => storage.getItem(key),
      setItem: (key, value) => {
        if (this.open) storage.setItem(key, value);
      },
      removeItem: (key) => {
        if (this.open) storage.removeItem(key);
      },
    };
  }

  /** The page goes away: channels closed, locks released, nothing more delivered to it. */
  close(): void {
    if (!this.open) return;
    this.open = false;
    this.closedAt = this.browser.time.now();
    for (const channel of [...this.browser.channels]) {
      if (channel.page === this) channel.close();
    }
    this.inbox.clear();
    this.browser.locks.closeClient(this.label);
    this.closeListeners.splice(0).forEach((listener) => listener());
  }

  /** @internal */
  enqueue(postedAt: number, deliver: () => void): void {
    const time = this.browser.time;
    const at = Math.max(time.now() + this.deliveryDelayMs, this.lastDeliveryAt);
    this.lastDeliveryAt = at;
    const item = { postedAt };
    this.inbox.add(item);
    setTimeout(() => {
      if (!this.inbox.delete(item)) return;
      deliver();
    }, at - time.now());
  }
}

/** BroadcastChannel: delivers a structured clone to every other open channel of that name. */
export class SimulatedChannel extends EventTarget {
  onmessage: ((this: BroadcastChannel, event: MessageEvent) => unknown) | null = null;
  onmessageerror: ((this: BroadcastChannel, event: MessageEvent) => unknown) | null = null;
  private closed = false;

  constructor(
    readonly page: SimulatedPage,
    readonly name: string,
  ) {
    super();
    if (page.isOpen) page.browser.channels.add(this);
    else this.closed = true;
  }

  postMessage(message: unknown): void {
    if (this.closed) throw new DOMException('BroadcastChannel is closed.', 'InvalidStateError');
    const browser = this.page.browser;
    const postedAt = browser.time.now();
    for (const target of browser.channels) {
      if (target === this || target.name !== this.name) continue;
      const data = structuredClone(message);
      target.page.enqueue(postedAt, () => {
        if (target.closed) return;
        browser.onDelivery({ from: this.page.label, to: target.page.label, data });
        target.receive(data);
      });
    }
  }

  close(): void {
    this.closed = true;
    this.page.browser.channels.delete(this);
  }

  private receive(data: unknown): void {
    const event = new MessageEvent('message', { data });
    this.onmessage?.call(this as unknown as BroadcastChannel, event);
    this.dispatchEvent(event);
  }
}
