import { provideZonelessChangeDetection } from '@angular/core';
import { createApplication } from '@angular/platform-browser';
import { provideRouter } from '@angular/router';

import { AuthService } from '../../auth-service';
import { MemoryStorage } from '../platform/browser-storage';
import { RefusalBrake } from '../refusal-brake';
import { createTabSync } from './tab-sync';
import {
  AuthTestingController,
  provideAuthTesting,
  settle,
  TestTabs,
} from '@oidc-session/angular/testing';

/** A lock manager whose requests are granted (or refused) when the test says so. */
class ScriptedLocks {
  readonly held = new Map<string, number>();
  private readonly pending: (() => void)[] = [];
  refuseWith: Error | null = null;
  /** Grant every request at once (no contention is modelled). */
  autoGrant = false;

  request<T>(name: string, ...args: unknown[]): Promise<T> {
    const callback = args.at(-1) as () => Promise<T>;
    if (this.refuseWith) return Promise.reject(this.refuseWith);
    return new Promise<T>((resolve, reject) => {
      const grant = () => {
        this.held.set(name, (this.held.get(name) ?? 0) + 1);
        const release = () => {
          const count = (this.held.get(name) ?? 1) - 1;
          if (count === 0) this.held.delete(name);
          else this.held.set(name, count);
        };
        callback().then(
          (value) => (release(), resolve(value)),
          (error: unknown) => (release(), reject(error)),
        );
      };
      if (this.autoGrant) queueMicrotask(grant);
      else this.pending.push(grant);
    });
  }

  async query() {
    return { held: [...this.held.keys()].map((name) => ({ name })), pending: [] };
  }

  grantAll(): void {
    this.pending.splice(0).forEach((grant) => grant());
  }
}

/** Counts timeouts and intervals that were set and have neither fired nor been cleared. */
class TimerTracker {
  private readonly live = new Set<unknown>();
  private readonly real = {
    setTimeout: globalThis.setTimeout.bind(globalThis),
    clearTimeout: globalThis.clearTimeout.bind(globalThis),
    setInterval: globalThis.setInterval.bind(globalThis),
    clearInterval: globalThis.clearInterval.bind(globalThis),
  };
  private readonly original = {
    setTimeout: globalThis.setTimeout,
    clearTimeout: globalThis.clearTimeout,
    setInterval: globalThis.setInterval,
    clearInterval: globalThis.clearInterval,
  };

  get pending(): number {
    return this.live.size;
  }

  install(): void {
    const { real, live } = this;
    globalThis.setTimeout = ((handler: () => void, ms?: number) => {
      const id = real.setTimeout(() => {
        live.delete(id);
        handler();
      }, ms);
      live.add(id);
      return id;
    }) as typeof setTimeout;
    // rxjs schedules `timer()` with setInterval.
    globalThis.setInterval = ((handler: () => void, ms?: number) => {
      const id = real.setInterval(handler, ms);
      live.add(id);
      return id;
    }) as typeof setInterval;
    globalThis.clearTimeout = ((id: number) => {
      live.delete(id);
      real.clearTimeout(id);
    }) as typeof clearTimeout;
    globalThis.clearInterval = ((id: number) => {
      live.delete(id);
      real.clearInterval(id);
    }) as typeof clearInterval;
  }

  uninstall(): void {
    Object.assign(globalThis, this.original);
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.real.setTimeout(resolve, ms));
  }
}

function browserWith(locks: ScriptedLocks): typeof globalThis {
  return { navigator: { locks }, BroadcastChannel } as unknown as typeof globalThis;
}

describe('tab plumbing', () => {
  it('fails a generation claim at once when the lock request is refused, instead of hanging', async () => {
    const locks = new ScriptedLocks();
    locks.refuseWith = new DOMException('no locks here', 'SecurityError');
    const tabs = createTabSync(browserWith(locks), new MemoryStorage());
    await expectAsync(tabs.holdGeneration(3)).toBeRejectedWithError(DOMException);
    tabs.close();
  });

  it('holds exactly the last generation claimed when a claim is made before the previous one was granted', async () => {
    const locks = new ScriptedLocks();
    const tabs = createTabSync(browserWith(locks), new MemoryStorage());
    const first = tabs.holdGeneration(1);
    const second = tabs.holdGeneration(2);
    for (let turn = 0; turn < 5; turn++) {
      locks.grantAll();
      await settle(1);
    }
    await Promise.all([first, second]);
    await settle();
    expect([...locks.held.keys()]).toEqual(['oidc-session:generation:2']);
    tabs.close();
    await settle();
    expect(locks.held.size).withContext('closing lets go').toBe(0);
  });

  it('closes the channel and leaves no timer when the app is destroyed, even mid-wait', async () => {
    const close = spyOn(BroadcastChannel.prototype, 'close').and.callThrough();
    const timers = new TimerTracker();
    const locks = new ScriptedLocks();
    locks.autoGrant = true;
    const tabs = createTabSync(browserWith(locks), new MemoryStorage());
    const app = await createApplication({
      providers: [
        provideZonelessChangeDetection(),
        provideRouter([]),
        provideAuthTesting({ tab: tabs, timing: { tabJoinTimeoutMs: 60_000 } }),
      ],
    });
    const kit = app.injector.get(AuthTestingController);
    await kit.ready();
    // A hanging tab holds a newer generation: an expired refresh waits for its hand-over.
    locks.held.set('oidc-session:generation:9', 1);
    kit.expire();
    timers.install();
    try {
      app.injector
        .get(AuthService)
        .accessToken()
        .subscribe({ error: () => undefined });
      await timers.sleep(20);
      expect(timers.pending).withContext('the hand-over wait is running').toBeGreaterThan(0);
      app.destroy();
      expect(close).toHaveBeenCalledTimes(1);
      expect(timers.pending).withContext('timers left after destroy').toBe(0);
    } finally {
      timers.uninstall();
    }
  });
});

describe('the 401 brake across tabs', () => {
  let harness: TestTabs;

  beforeEach(() => (harness = new TestTabs()));
  afterEach(() => harness.closeAll());

  it('brakes a refused token in every tab, not only the one that saw the refusal', async () => {
    const a = await harness.openTab({ signedIn: true });
    const b = await harness.openTab();
    a.app.injector.get(RefusalBrake).brake(1);
    await settle();
    expect(b.app.injector.get(RefusalBrake).isBraked(1)).toBeTrue();
    expect(b.app.injector.get(RefusalBrake).isBraked(2)).toBeFalse();
  });
});
