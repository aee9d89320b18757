/**
 * A deterministic world for the refresh property test: virtual time, BFF instances that can
 * crash (a crashed instance's pending operations never complete, like a dead process), a shared
 * store that can be unreachable (requests refused, or replies lost after the write happened), and a
 * fake provider with refresh token rotation and reuse detection.
 */
import {
  ProviderRejectedError,
  ProviderUnavailableError,
  StoreUnavailableError,
} from '../../errors.ts';
import type { ProviderTokens } from '../../oidc.ts';
import type { SessionStore } from '../../session-store/types.ts';

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly fire: () => void;
}

/** Virtual time: nothing moves until `run` fires the next timer. */
export class VirtualClock {
  now = 0;
  #timers: Timer[] = [];
  #seq = 0;

  at(time: number, fire: () => void): void {
    this.#timers.push({ at: Math.max(time, this.now), seq: this.#seq++, fire });
  }

  sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason as Error);
      const abort = () => reject(signal?.reason as Error);
      signal?.addEventListener('abort', abort, { once: true });
      this.at(this.now + ms, () => {
        signal?.removeEventListener('abort', abort);
        resolve();
      });
    });

  /** Fires timers in time order, letting every promise chain settle in between. */
  async run(maxSteps = 20_000): Promise<void> {
    for (let step = 0; step < maxSteps; step += 1) {
      // setImmediate runs only once every queued microtask (and those they queue) has run.
      await new Promise((resolve) => setImmediate(resolve));
      if (this.#timers.length === 0) return;
      this.#timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.#timers.shift()!;
      this.now = next.at;
      next.fire();
    }
    throw new Error('the simulation did not settle');
  }
}

/** A small seeded PRNG (mulberry32), so latencies replay exactly for a given seed. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Instance {
  readonly name: string;
  dead: boolean;
  /** Dies right after the provider's next answer, before anything is stored. */
  crashAfterNextAnswer: boolean;
}

export interface World {
  readonly clock: VirtualClock;
  readonly rng: () => number;
  storeDown: boolean;
  providerDown: boolean;
  /**
   * Store commands under way in the inner store. A real store (Redis) answers in real time, which
   * the virtual clock cannot see: the simulation waits for this to reach 0 before it is calm.
   */
  inflight?: number;
}

/** A promise that never settles: what a dead process's pending work looks like. */
const never = <T>(): Promise<T> => new Promise<T>(() => undefined);

async function latency(world: World, max: number): Promise<void> {
  await world.clock.sleep(1 + Math.floor(world.rng() * max));
}

/** The shared store as one instance sees it: latency both ways, outages, its own death. */
export function instanceStore(inner: SessionStore, world: World, instance: Instance): SessionStore {
  return new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        await latency(world, 20);
        if (instance.dead) return never();
        if (world.storeDown) throw new StoreUnavailableError();
        world.inflight = (world.inflight ?? 0) + 1;
        let result: unknown;
        try {
          result = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        } finally {
          world.inflight -= 1;
        }
        await latency(world, 20);
        if (instance.dead) return never();
        // The command ran, but its reply is lost: the caller cannot know it happened.
        if (world.storeDown) throw new StoreUnavailableError();
        return result;
      };
    },
  });
}

/** A provider that rotates refresh tokens and, on reuse, revokes the grant (as oidc-provider does). */
export class FakeProvider {
  current = 'rt-0';
  readonly used = new Set<string>();
  revoked = false;
  replays = 0;
  rotations = 0;

  constructor(readonly world: World) {}

  async refresh(instance: Instance, refreshToken: string): Promise<ProviderTokens> {
    await latency(this.world, 60);
    if (instance.dead) return never();
    if (this.world.providerDown) throw new ProviderUnavailableError();
    if (this.used.has(refreshToken)) {
      this.replays += 1;
      this.revoked = true;
      throw new ProviderRejectedError('invalid_grant: refresh token reused');
    }
    if (this.revoked || refreshToken !== this.current)
      throw new ProviderRejectedError('invalid_grant');
    this.used.add(refreshToken);
    this.rotations += 1;
    this.current = `rt-${this.rotations}`;
    const answer = {
      accessToken: `at-${this.rotations}`,
      expiresIn: 1,
      refreshToken: this.current,
    };
    if (instance.crashAfterNextAnswer) instance.dead = true;
    await latency(this.world, 60);
    if (instance.dead) return never();
    return answer;
  }
}
