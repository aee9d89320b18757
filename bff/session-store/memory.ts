/**
 * The in-process session store: the default for one instance (sessions do not survive a restart
 * and are not shared). Same semantics as the Redis store, checked by the same contract tests.
 * Expired entries are dropped on read and by a sweep timer that never keeps the process alive.
 * Bounded: at most `maxSessions` sessions (the bench's `bff-load-memory-store-*` rows give their
 * memory); past it a new sign-in is refused and no session is evicted.
 */
import { SessionStoreFullError, type SessionEndReason } from '../errors.ts';
import { PendingLogins } from './memory-pending-logins.ts';
import {
  DEFAULT_LOGIN_LIMITS,
  DEFAULT_LOGIN_TTL_MS,
  DEFAULT_TOMBSTONE_TTL_MS,
  sessionExpiresAt,
  type NewSession,
  type NewTokenRecord,
  type PendingLogin,
  type SessionLookup,
  type SessionRecord,
  type SessionStore,
  type StoreLifetimes,
  type WindowCount,
  type WriteResult,
} from './types.ts';

interface Expiring<T> {
  readonly value: T;
  readonly expiresAt: number;
}

type Entry =
  | { readonly kind: 'active'; session: SessionRecord }
  | { readonly kind: 'ended'; readonly reason: SessionEndReason; readonly expiresAt: number };

/** Sessions held at most unless told otherwise (the BFF reads BFF_MEMORY_MAX_SESSIONS). */
export const DEFAULT_MAX_SESSIONS = 50_000;

export interface MemoryStoreOptions extends StoreLifetimes {
  /**
   * Sessions held at most, ended ones still remembered included: past it createSession throws
   * SessionStoreFullError and evicts nobody. Default DEFAULT_MAX_SESSIONS.
   */
  readonly maxSessions?: number;
  /** Epoch milliseconds; injectable for tests with virtual time. */
  readonly now?: () => number;
  /** Sweep period; 0 disables the timer (tests with virtual time). Default 60 s. */
  readonly sweepIntervalMs?: number;
}

export class MemorySessionStore implements SessionStore {
  readonly #sessions = new Map<string, Entry>();
  readonly #logins: PendingLogins;
  readonly #windows = new Map<string, { count: number; endsAt: number }>();
  readonly #jtis = new Map<string, number>();
  readonly #locks = new Map<string, Expiring<string>>();
  readonly #now: () => number;
  readonly #lifetimes: Required<StoreLifetimes>;
  readonly #sweeper: NodeJS.Timeout | undefined;
  readonly #maxSessions: number;

  constructor(options: MemoryStoreOptions) {
    this.#now = options.now ?? Date.now;
    this.#maxSessions = options.maxSessions ?? DEFAULT_MAX_SESSIONS;
    this.#lifetimes = {
      idleTimeoutMs: options.idleTimeoutMs,
      absoluteLifetimeMs: options.absoluteLifetimeMs,
      loginTtlMs: options.loginTtlMs ?? DEFAULT_LOGIN_TTL_MS,
      tombstoneTtlMs: options.tombstoneTtlMs ?? DEFAULT_TOMBSTONE_TTL_MS,
      loginLimits: options.loginLimits ?? DEFAULT_LOGIN_LIMITS,
    };
    this.#logins = new PendingLogins(this.#lifetimes.loginLimits, this.#lifetimes.loginTtlMs);
    const period = options.sweepIntervalMs ?? 60_000;
    if (period > 0) {
      this.#sweeper = setInterval(() => this.sweep(), period);
      // Cleaning up must never be the reason the process stays alive.
      this.#sweeper.unref();
    }
  }

  async createSession(session: NewSession): Promise<void> {
    if (this.#sessions.size >= this.#maxSessions) {
      // Full only counts what has not expired; a sweep is O(sessions), paid only at the bound.
      this.sweep();
      if (this.#sessions.size >= this.#maxSessions)
        throw new SessionStoreFullError(this.#maxSessions);
    }
    const record: SessionRecord = {
      ...session,
      lastSeenAt: session.createdAt,
      tokens: { ...session.tokens, revision: 1 },
    };
    this.#sessions.set(session.id, { kind: 'active', session: record });
  }

  async getSession(id: string): Promise<SessionLookup> {
    const entry = this.#entry(id);
    if (!entry) return { state: 'unknown' };
    if (entry.kind === 'ended') return { state: 'ended', reason: entry.reason };
    return { state: 'active', session: entry.session };
  }

  async touchSession(id: string, now: number): Promise<void> {
    const entry = this.#entry(id);
    if (entry?.kind === 'active') {
      entry.session = { ...entry.session, lastSeenAt: Math.max(entry.session.lastSeenAt, now) };
    }
  }

  async writeTokens(
    id: string,
    expectedRevision: number,
    next: NewTokenRecord,
  ): Promise<WriteResult> {
    const entry = this.#entry(id);
    if (entry?.kind !== 'active') return 'ended';
    if (entry.session.tokens.revision !== expectedRevision) return 'conflict';
    entry.session = { ...entry.session, tokens: { ...next, revision: expectedRevision + 1 } };
    return 'written';
  }

  async endSession(id: string, reason: SessionEndReason): Promise<void> {
    const existing = this.#entry(id);
    // The first reason wins: a later "signed out" must not hide why the session really ended.
    if (existing?.kind === 'ended') return;
    const expiresAt = this.#now() + this.#lifetimes.tombstoneTtlMs;
    this.#sessions.set(id, { kind: 'ended', reason, expiresAt });
  }

  async sessionsBySid(sid: string): Promise<string[]> {
    return this.#activeIds((session) => session.sid === sid);
  }

  async sessionsBySub(sub: string): Promise<string[]> {
    return this.#activeIds((session) => session.sub === sub);
  }

  async putLogin(login: PendingLogin, client?: string): Promise<void> {
    this.#logins.put(login, client, this.#now());
  }

  async takeLogin(state: string): Promise<PendingLogin | undefined> {
    return this.#logins.take(state, this.#now());
  }

  async countRequest(key: string, windowMs: number): Promise<WindowCount> {
    const now = this.#now();
    let window = this.#windows.get(key);
    if (!window || window.endsAt <= now) {
      window = { count: 0, endsAt: now + windowMs };
      this.#windows.set(key, window);
    }
    window.count += 1;
    return { count: window.count, resetInMs: window.endsAt - now };
  }

  async hasSeenJti(jti: string): Promise<boolean> {
    const seenUntil = this.#jtis.get(jti);
    return seenUntil !== undefined && seenUntil > this.#now();
  }

  async markJtiSeen(jti: string, ttlMs: number): Promise<boolean> {
    const seenUntil = this.#jtis.get(jti);
    if (seenUntil !== undefined && seenUntil > this.#now()) return false;
    this.#jtis.set(jti, this.#now() + ttlMs);
    return true;
  }

  async acquireLock(name: string, owner: string, ttlMs: number): Promise<boolean> {
    const held = this.#locks.get(name);
    if (held && held.expiresAt > this.#now() && held.value !== owner) return false;
    this.#locks.set(name, { value: owner, expiresAt: this.#now() + ttlMs });
    return true;
  }

  async extendLock(name: string, owner: string, ttlMs: number): Promise<boolean> {
    const held = this.#locks.get(name);
    if (!held || held.value !== owner || held.expiresAt <= this.#now()) return false;
    this.#locks.set(name, { value: owner, expiresAt: this.#now() + ttlMs });
    return true;
  }

  async releaseLock(name: string, owner: string): Promise<void> {
    if (this.#locks.get(name)?.value === owner) this.#locks.delete(name);
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
  }

  /** Drops everything that has expired; runs on a timer, callable from tests. */
  sweep(): void {
    const now = this.#now();
    for (const id of this.#sessions.keys()) this.#entry(id);
    this.#logins.dropExpired(now);
    for (const [key, window] of this.#windows) if (window.endsAt <= now) this.#windows.delete(key);
    for (const [jti, until] of this.#jtis) if (until <= now) this.#jtis.delete(jti);
    for (const [name, lock] of this.#locks) if (lock.expiresAt <= now) this.#locks.delete(name);
  }

  /** Number of entries of every kind, so tests can see the store clean up after itself. */
  get size(): number {
    return (
      this.#sessions.size +
      this.#logins.size +
      this.#jtis.size +
      this.#locks.size +
      this.#windows.size
    );
  }

  /** The entry if it has not expired; an expired one is deleted on the way. */
  #entry(id: string): Entry | undefined {
    const entry = this.#sessions.get(id);
    if (!entry) return undefined;
    const expiresAt =
      entry.kind === 'ended' ? entry.expiresAt : sessionExpiresAt(entry.session, this.#lifetimes);
    if (expiresAt <= this.#now()) {
      this.#sessions.delete(id);
      return undefined;
    }
    return entry;
  }

  #activeIds(match: (session: SessionRecord) => boolean): string[] {
    const ids: string[] = [];
    for (const id of [...this.#sessions.keys()]) {
      const entry = this.#entry(id);
      if (entry?.kind === 'active' && match(entry.session)) ids.push(id);
    }
    return ids;
  }
}
