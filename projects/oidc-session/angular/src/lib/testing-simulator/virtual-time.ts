/**
 * Virtual time for simulations: while installed, `setTimeout`, `setInterval` (which rxjs's
 * `timer`, `timeout` and `delay` use), `Date.now`, `performance.now` and `AbortSignal.timeout`
 * all run on a clock that moves only when {@link VirtualTime.runFor} moves it. Timers fire in
 * order of due time, and after each one every pending microtask (promise chains, lock grants)
 * runs before the next, so causality is kept: work that a timer starts at t can schedule a
 * timer for t + 1 and have it fire at t + 1, not late.
 *
 * Microtasks are drained by yielding one real macrotask (a MessageChannel message, which,
 * unlike a real setTimeout, is not clamped to 4 ms). Jasmine keeps its own real timers, so a
 * spec may install this around its body.
 */
export class VirtualTime {
  private time: number;
  private readonly timers = new Map<number, Timer>();
  private nextId = 1;
  private sequence = 0;
  private saved: Saved | null = null;
  private readonly channel = new MessageChannel();
  private readonly yields: (() => void)[] = [];
  /** Errors thrown by timer callbacks (a browser would report them as uncaught). */
  readonly uncaught: unknown[] = [];

  constructor(startEpochMs = Date.UTC(2026, 0, 1, 9, 0, 0)) {
    this.time = startEpochMs;
    this.channel.port1.onmessage = () => this.yields.shift()?.();
  }

  /** Epoch ms on the virtual clock. */
  now(): number {
    return this.time;
  }

  /** Timers waiting to fire. */
  get pendingTimers(): number {
    return this.timers.size;
  }

  /** Replaces the global timer functions, `Date.now`, `performance.now` and `AbortSignal.timeout`. */
  install(): void {
    if (this.saved) return;
    const g = globalThis as unknown as Record<string, unknown>;
    this.saved = {
      setTimeout: g['setTimeout'],
      clearTimeout: g['clearTimeout'],
      setInterval: g['setInterval'],
      clearInterval: g['clearInterval'],
      dateNow: Date.now,
      performanceNow: performance.now,
      abortTimeout: AbortSignal.timeout,
    };
    const start = this.time;
    g['setTimeout'] = (fn: TimerHandler, ms?: number, ...args: unknown[]) =>
      this.schedule(fn, ms, args, false);
    g['setInterval'] = (fn: TimerHandler, ms?: number, ...args: unknown[]) =>
      this.schedule(fn, ms, args, true);
    g['clearTimeout'] = g['clearInterval'] = (id?: number) => {
      if (id !== undefined) this.timers.delete(id);
    };
    Date.now = () => this.time;
    performance.now = () => this.time - start;
    AbortSignal.timeout = (ms: number) => {
      const controller = new AbortController();
      this.schedule(
        () => controller.abort(new DOMException('The operation timed out.', 'TimeoutError')),
        ms,
        [],
        false,
      );
      return controller.signal;
    };
  }

  /** Puts the real functions back; pending virtual timers are dropped. */
  uninstall(): void {
    const saved = this.saved;
    if (!saved) return;
    const g = globalThis as unknown as Record<string, unknown>;
    g['setTimeout'] = saved.setTimeout;
    g['clearTimeout'] = saved.clearTimeout;
    g['setInterval'] = saved.setInterval;
    g['clearInterval'] = saved.clearInterval;
    Date.now = saved.dateNow;
    performance.now = saved.performanceNow;
    AbortSignal.timeout = saved.abortTimeout;
    this.saved = null;
    this.timers.clear();
  }

  /** Lets every pending microtask run (one real macrotask turn). */
  flush(): Promise<void> {
    return new Promise((resolve) => {
      this.yields.push(resolve);
      this.channel.port2.postMessage(null);
    });
  }

  /**
   * Moves the clock `ms` forward, firing every timer that falls due on the way, in order,
   * with microtasks drained after each.
   * @throws when timers keep rescheduling themselves at the same instant (a runaway loop).
   */
  async runFor(ms: number): Promise<void> {
    const target = this.time + Math.max(0, ms);
    let fired = 0;
    await this.flush();
    for (;;) {
      const next = this.earliest();
      if (!next || next.at > target) break;
      if (++fired > 20_000) throw new Error('virtual time: more than 20000 timers in one step');
      this.time = Math.max(this.time, next.at);
      if (next.repeat !== null) {
        next.at = this.time + next.repeat;
        next.sequence = this.sequence++;
      } else {
        this.timers.delete(next.id);
      }
      try {
        if (typeof next.fn === 'function') next.fn(...next.args);
      } catch (error: unknown) {
        this.uncaught.push(error);
      }
      await this.flush();
    }
    this.time = target;
    await this.flush();
  }

  /**
   * Runs time forward until `done()` holds, in steps of at most `stepMs`, for at most `maxMs`.
   * @returns whether `done()` held in time.
   */
  async runUntil(done: () => boolean, maxMs: number, stepMs = 100): Promise<boolean> {
    const deadline = this.time + maxMs;
    await this.flush();
    while (!done()) {
      if (this.time >= deadline) return false;
      const next = this.earliest();
      const step = Math.min(
        stepMs,
        deadline - this.time,
        next ? Math.max(0, next.at - this.time) : stepMs,
      );
      await this.runFor(step);
    }
    return true;
  }

  private schedule(fn: TimerHandler, ms: number | undefined, args: unknown[], repeat: boolean) {
    const delay = Math.max(0, Number(ms) || 0);
    const id = this.nextId++;
    this.timers.set(id, {
      id,
      fn,
      args,
      at: this.time + delay,
      sequence: this.sequence++,
      // Browsers run a 0 ms interval at least every 4 ms (the nesting clamp); so does this.
      repeat: repeat ? Math.max(4, delay) : null,
    });
    return id;
  }

  private earliest(): Timer | undefined {
    let best: Timer | undefined;
    for (const timer of this.timers.values()) {
      if (!best || timer.at < best.at || (timer.at === best.at && timer.sequence < best.sequence))
        best = timer;
    }
    return best;
  }
}

interface Timer {
  readonly id: number;
  readonly fn: TimerHandler;
  readonly args: unknown[];
  at: number;
  sequence: number;
  readonly repeat: number | null;
}

interface Saved {
  readonly setTimeout: unknown;
  readonly clearTimeout: unknown;
  readonly setInterval: unknown;
  readonly clearInterval: unknown;
  readonly dateNow: () => number;
  readonly performanceNow: () => number;
  readonly abortTimeout: (ms: number) => AbortSignal;
}
