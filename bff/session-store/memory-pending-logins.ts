/**
 * The in-process store's sign-ins in progress, bounded per client address and in total. Every
 * record lives for the same TTL, so insertion order is expiry order: expired records are dropped
 * from the front, and the oldest record of a client (or of all) is the next slot to free, which
 * gives Retry-After. The per-client index holds only live records, so it can never outgrow them.
 */
import { SignInLimitError } from '../errors.ts';
import { secondsUntil, type LoginLimits, type PendingLogin } from './types.ts';

interface Pending {
  readonly login: PendingLogin;
  readonly client: string | undefined;
  readonly expiresAt: number;
}

export class PendingLogins {
  readonly #byState = new Map<string, Pending>();
  /** client -> state -> expiresAt, in expiry order. */
  readonly #byClient = new Map<string, Map<string, number>>();

  constructor(
    private readonly limits: LoginLimits,
    private readonly ttlMs: number,
  ) {}

  put(login: PendingLogin, client: string | undefined, now: number): void {
    this.dropExpired(now);
    const mine = client === undefined ? undefined : this.#byClient.get(client);
    if (mine && mine.size >= this.limits.perClient) {
      throw new SignInLimitError('client', secondsUntil(first(mine.values()) ?? now, now));
    }
    if (this.#byState.size >= this.limits.total) {
      const oldest = first(this.#byState.values());
      throw new SignInLimitError('total', secondsUntil(oldest?.expiresAt ?? now, now));
    }
    const expiresAt = now + this.ttlMs;
    // Delete first so a reused state moves to the back: insertion order stays expiry order.
    this.#remove(login.state);
    this.#byState.set(login.state, { login, client, expiresAt });
    if (client !== undefined) {
      const states = this.#byClient.get(client) ?? new Map<string, number>();
      states.set(login.state, expiresAt);
      this.#byClient.set(client, states);
    }
  }

  take(state: string, now: number): PendingLogin | undefined {
    const pending = this.#remove(state);
    return pending && pending.expiresAt > now ? pending.login : undefined;
  }

  dropExpired(now: number): void {
    for (const [state, pending] of this.#byState) {
      if (pending.expiresAt > now) break;
      this.#remove(state);
    }
  }

  get size(): number {
    return this.#byState.size;
  }

  #remove(state: string): Pending | undefined {
    const pending = this.#byState.get(state);
    if (!pending) return undefined;
    this.#byState.delete(state);
    if (pending.client !== undefined) {
      const states = this.#byClient.get(pending.client);
      states?.delete(state);
      if (states?.size === 0) this.#byClient.delete(pending.client);
    }
    return pending;
  }
}

function first<T>(values: IterableIterator<T>): T | undefined {
  return values.next().value;
}
