/**
 * The Redis session store (node-redis 5), for several BFF instances and sessions that survive a
 * restart, on one Redis server, a Redis Cluster or a Sentinel setup (redis-connection.ts).
 * Compare-and-set writes, tombstones and lock compare-and-delete run as Lua scripts, which Redis
 * executes atomically; every script declares its keys, and the keys it touches together share a
 * slot (redis-keys.ts). Commands never wait for a connection: the offline queue is off and every
 * command has a timeout, so an unreachable Redis costs at most `timeoutMs` and surfaces as
 * `StoreUnavailableError` (503).
 *
 * A session is a hash (meta fields, `rev`, `tokens`, or `ended` for a tombstone), expiring at
 * min(last touch + idle timeout, creation + absolute lifetime): idle sessions cost no timer and
 * no scan, they leave by TTL.
 */
import { ErrorReply } from 'redis';

import { SignInLimitError, StoreUnavailableError, type SessionEndReason } from '../errors.ts';
import { openRedis, type RedisConnection, type RedisTopology } from './redis-connection.ts';
import { redisKeys, type RedisKeys } from './redis-keys.ts';
import { COUNT_REQUEST, PUT_LOGIN, TAKE_LOGIN } from './redis-login-scripts.ts';
import {
  DEFAULT_LOGIN_LIMITS,
  DEFAULT_LOGIN_TTL_MS,
  DEFAULT_TOMBSTONE_TTL_MS,
  type NewSession,
  type NewTokenRecord,
  type PendingLogin,
  type SessionLookup,
  type SessionStore,
  type StoreLifetimes,
  type TokenRecord,
  type WindowCount,
  type WriteOptions,
  type WriteResult,
  secondsUntil,
} from './types.ts';

export interface RedisStoreOptions extends StoreLifetimes {
  /** One server (`redis://…`); or `topology` for a cluster or Sentinel. */
  readonly url?: string;
  readonly topology?: RedisTopology;
  /** Longest wait for one command (and for connecting). */
  readonly timeoutMs: number;
  readonly keyPrefix?: string;
  /**
   * Replicas that must acknowledge a `replicated` write, and for how long to wait for them.
   * Default none (one server); config.ts asks for one on a cluster or Sentinel.
   */
  readonly replicaAcks?: { readonly replicas: number; readonly timeoutMs: number };
  /** Connection problems, for the log (the message never contains the URL). */
  readonly onError?: (error: Error) => void;
}

// KEYS[1] session; ARGV: expected revision, new tokens JSON. Never creates a session.
const WRITE_TOKENS = `
local rev = redis.call('HGET', KEYS[1], 'rev')
if not rev or redis.call('HEXISTS', KEYS[1], 'ended') == 1 then return 'ended' end
if rev ~= ARGV[1] then return 'conflict' end
redis.call('HSET', KEYS[1], 'rev', tostring(tonumber(rev) + 1), 'tokens', ARGV[2])
return 'written'`;

// KEYS[1] session; ARGV: now, idle ms, absolute ms. All in milliseconds (PEXPIREAT): a timeout
// of a few seconds is kept to the millisecond. Never moves the last touch back (as the memory
// store): an instance whose clock is a little behind cannot shorten the session.
const TOUCH = `
local created = redis.call('HGET', KEYS[1], 'createdAt')
if not created or redis.call('HEXISTS', KEYS[1], 'ended') == 1 then return 0 end
local now = tonumber(ARGV[1])
local last = tonumber(redis.call('HGET', KEYS[1], 'lastSeenAt'))
if last and last >= now then return 1 end
redis.call('HSET', KEYS[1], 'lastSeenAt', ARGV[1])
redis.call('PEXPIREAT', KEYS[1], math.min(now + tonumber(ARGV[2]), tonumber(created) + tonumber(ARGV[3])))
return 1`;

// KEYS[1] session; ARGV: reason, tombstone ms. The first reason wins. Returns {sid, sub} of the
// session it ended (false where absent), or 0 when there was nothing to end.
const END = `
if redis.call('HEXISTS', KEYS[1], 'ended') == 1 then return 0 end
local ids = redis.call('HMGET', KEYS[1], 'sid', 'sub')
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'ended', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return ids`;

const EXTEND_LOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

const RELEASE_LOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

export class RedisSessionStore implements SessionStore {
  readonly #redis: RedisConnection;
  readonly #keys: RedisKeys;
  readonly #lifetimes: Required<StoreLifetimes>;
  readonly #timeoutMs: number;
  readonly #replicaAcks: { readonly replicas: number; readonly timeoutMs: number };
  readonly #keepAlive: NodeJS.Timeout;
  #pinging = false;

  constructor(options: RedisStoreOptions) {
    this.#keys = redisKeys(options.keyPrefix ?? 'bff:');
    this.#lifetimes = {
      idleTimeoutMs: options.idleTimeoutMs,
      absoluteLifetimeMs: options.absoluteLifetimeMs,
      loginTtlMs: options.loginTtlMs ?? DEFAULT_LOGIN_TTL_MS,
      tombstoneTtlMs: options.tombstoneTtlMs ?? DEFAULT_TOMBSTONE_TTL_MS,
      loginLimits: options.loginLimits ?? DEFAULT_LOGIN_LIMITS,
    };
    const topology =
      options.topology ?? (options.url ? { kind: 'server' as const, url: options.url } : null);
    if (!topology) throw new Error('RedisSessionStore needs a url or a topology');
    // node-redis' timeout only covers a command waiting to be sent; one already sent to a frozen
    // server waits until the socket has been idle that long, which fails what is pending and
    // reconnects. #run bounds each caller's wait; #keepAlive keeps a healthy idle socket busy.
    // Without an error listener node-redis would crash the process on the first connection error.
    this.#redis = openRedis(topology, {
      timeoutMs: options.timeoutMs,
      onError: (error: Error) => options.onError?.(error),
    });
    this.#timeoutMs = options.timeoutMs;
    this.#replicaAcks = options.replicaAcks ?? { replicas: 0, timeoutMs: 0 };
    this.#keepAlive = setInterval(() => this.#ping(), Math.max(50, options.timeoutMs / 2));
    this.#keepAlive.unref();
  }

  /** One keep-alive PING at a time: while it waits, the socket may go idle and time out. */
  #ping(): void {
    if (this.#pinging || !this.#redis.isReady) return;
    this.#pinging = true;
    this.#redis
      .ping()
      .catch(() => undefined)
      .finally(() => (this.#pinging = false));
  }

  /** Starts connecting; resolves when connected, rejects (and keeps retrying) when not. */
  async connect(): Promise<void> {
    await this.#redis.connect();
  }

  async createSession(session: NewSession): Promise<void> {
    const key = this.#keys.session(session.id);
    const tokens: TokenRecord = { ...session.tokens, revision: 1 };
    const expiresAt =
      session.createdAt +
      Math.min(this.#lifetimes.idleTimeoutMs, this.#lifetimes.absoluteLifetimeMs);
    const fields: Record<string, string> = {
      sub: session.sub,
      claims: JSON.stringify(session.claims),
      createdAt: String(session.createdAt),
      lastSeenAt: String(session.createdAt),
      rev: '1',
      tokens: JSON.stringify(tokens),
    };
    if (session.sid !== undefined) fields['sid'] = session.sid;
    // The indexes first, each in its own slot: a member whose session was never written is
    // dropped when the index is read, but a session missing from its index could not be ended
    // by a back-channel logout.
    const indexes = [this.#keys.sub(session.sub)];
    if (session.sid !== undefined) indexes.push(this.#keys.sid(session.sid));
    await this.#run(() =>
      Promise.all(
        indexes.map(async (index) => {
          await this.#redis.commands.sAdd(index, session.id);
          await this.#redis.commands.pExpire(index, this.#lifetimes.absoluteLifetimeMs);
        }),
      ),
    );
    await this.#run(() => this.#redis.writeHash(key, fields, expiresAt));
  }

  async getSession(id: string): Promise<SessionLookup> {
    const hash = await this.#run(() => this.#redis.commands.hGetAll(this.#keys.session(id)));
    const ended = hash['ended'];
    if (ended !== undefined) return { state: 'ended', reason: ended as SessionEndReason };
    const tokens = hash['tokens'];
    if (tokens === undefined) return { state: 'unknown' };
    const sid = hash['sid'];
    return {
      state: 'active',
      session: {
        id,
        sub: hash['sub'] ?? '',
        ...(sid === undefined ? {} : { sid }),
        claims: JSON.parse(hash['claims'] ?? '{}') as Record<string, unknown>,
        createdAt: Number(hash['createdAt']),
        lastSeenAt: Number(hash['lastSeenAt']),
        tokens: { ...(JSON.parse(tokens) as TokenRecord), revision: Number(hash['rev']) },
      },
    };
  }

  async touchSession(id: string, now: number): Promise<void> {
    const { idleTimeoutMs, absoluteLifetimeMs } = this.#lifetimes;
    await this.#eval(TOUCH, [this.#keys.session(id)], [now, idleTimeoutMs, absoluteLifetimeMs]);
  }

  async writeTokens(
    id: string,
    expectedRevision: number,
    next: NewTokenRecord,
    options: WriteOptions = {},
  ): Promise<WriteResult> {
    const keys = [this.#keys.session(id)];
    const args = [
      String(expectedRevision),
      JSON.stringify({ ...next, revision: expectedRevision + 1 }),
    ];
    const { replicas, timeoutMs } = this.#replicaAcks;
    if (!options.replicated || replicas === 0) {
      return (await this.#eval(WRITE_TOKENS, keys, args)) as WriteResult;
    }
    const { reply, acknowledged } = await this.#run(
      () =>
        this.#redis.evalReplicated(WRITE_TOKENS, { keys, arguments: args }, replicas, timeoutMs),
      this.#timeoutMs + timeoutMs,
    );
    if (reply === 'written' && acknowledged < replicas) {
      // Written on the primary only: a failover now could lose it. Transient, not a sign-out:
      // the refresher tries again (and recognises its own write) or the request answers 503.
      throw new StoreUnavailableError({
        cause: new Error(`${acknowledged} of ${replicas} replicas acknowledged the write`),
      });
    }
    return reply as WriteResult;
  }

  async endSession(id: string, reason: SessionEndReason): Promise<void> {
    const ended = await this.#eval(
      END,
      [this.#keys.session(id)],
      [reason, this.#lifetimes.tombstoneTtlMs],
    );
    if (!Array.isArray(ended)) return;
    // Tidy the indexes (other slots): best effort, since a read drops members that ended anyway.
    const [sid, sub] = ended as [string | null, string | null];
    const indexes = [sid ? this.#keys.sid(sid) : null, sub ? this.#keys.sub(sub) : null];
    await Promise.all(
      indexes.map((index) =>
        index ? this.#run(() => this.#redis.commands.sRem(index, id)).catch(() => 0) : 0,
      ),
    );
  }

  async sessionsBySid(sid: string): Promise<string[]> {
    return this.#liveMembers(this.#keys.sid(sid));
  }

  async sessionsBySub(sub: string): Promise<string[]> {
    return this.#liveMembers(this.#keys.sub(sub));
  }

  /** The ids in an index whose session is live; the others leave the index on the way. */
  async #liveMembers(index: string): Promise<string[]> {
    const ids = await this.#run(() => this.#redis.commands.sMembers(index));
    const live = await Promise.all(
      ids.map(async (id) => {
        const alive = await this.#run(() =>
          this.#redis.commands.hExists(this.#keys.session(id), 'rev'),
        );
        if (!alive) await this.#run(() => this.#redis.commands.sRem(index, id));
        return alive ? id : null;
      }),
    );
    return live.filter((id): id is string => id !== null);
  }

  async putLogin(login: PendingLogin, client?: string): Promise<void> {
    const now = Date.now();
    const { loginTtlMs, loginLimits } = this.#lifetimes;
    const [outcome, freesAt] = (await this.#eval(
      PUT_LOGIN,
      [this.#keys.login(login.state), this.#keys.logins(), this.#keys.loginClient(client ?? '')],
      [
        now,
        loginTtlMs,
        loginLimits.perClient,
        loginLimits.total,
        // The client rides along so that takeLogin can free its slot.
        JSON.stringify(client === undefined ? login : { ...login, _client: client }),
        login.state,
        client === undefined ? '0' : '1',
      ],
    )) as [string, number];
    if (outcome === 'client' || outcome === 'total') {
      throw new SignInLimitError(outcome, secondsUntil(Number(freesAt), now));
    }
  }

  async takeLogin(state: string): Promise<PendingLogin | undefined> {
    // Read first, to learn the client whose count the sign-in leaves (a key the script must
    // declare); the script takes it only if it is still the same record, so two takes of one
    // state cannot both succeed.
    const key = this.#keys.login(state);
    const seen = await this.#run(() => this.#redis.commands.get(key));
    if (typeof seen !== 'string') return undefined;
    const record = JSON.parse(seen) as PendingLogin & { _client?: string };
    const client = typeof record._client === 'string' ? record._client : '';
    const taken = await this.#eval(
      TAKE_LOGIN,
      [key, this.#keys.logins(), this.#keys.loginClient(client)],
      [state, seen],
    );
    if (taken !== 1) return undefined;
    const { _client: _ignored, ...login } = record;
    return login;
  }

  async countRequest(key: string, windowMs: number): Promise<WindowCount> {
    const [count, resetInMs] = (await this.#eval(
      COUNT_REQUEST,
      [this.#keys.rate(key)],
      [windowMs],
    )) as [number, number];
    return { count, resetInMs };
  }

  async hasSeenJti(jti: string): Promise<boolean> {
    return (await this.#run(() => this.#redis.commands.exists(this.#keys.jti(jti)))) === 1;
  }

  async markJtiSeen(jti: string, ttlMs: number): Promise<boolean> {
    const reply = await this.#run(() =>
      this.#redis.commands.set(this.#keys.jti(jti), '1', {
        condition: 'NX',
        expiration: { type: 'PX', value: ttlMs },
      }),
    );
    return reply === 'OK';
  }

  async acquireLock(name: string, owner: string, ttlMs: number): Promise<boolean> {
    const key = this.#keys.lock(name);
    const reply = await this.#run(() =>
      this.#redis.commands.set(key, owner, {
        condition: 'NX',
        expiration: { type: 'PX', value: ttlMs },
      }),
    );
    // Re-acquiring a lock one already holds extends it, as in the memory store.
    return reply === 'OK' || (await this.extendLock(name, owner, ttlMs));
  }

  async extendLock(name: string, owner: string, ttlMs: number): Promise<boolean> {
    return (await this.#eval(EXTEND_LOCK, [this.#keys.lock(name)], [owner, ttlMs])) === 1;
  }

  async releaseLock(name: string, owner: string): Promise<void> {
    await this.#eval(RELEASE_LOCK, [this.#keys.lock(name)], [owner]);
  }

  async ping(): Promise<void> {
    await this.#run(() => this.#redis.ping());
  }

  async close(): Promise<void> {
    clearInterval(this.#keepAlive);
    // destroy(), not close(): close() waits for pending replies, which never come from a dead server.
    this.#redis.destroy();
  }

  #eval(script: string, keys: string[], args: Array<string | number>): Promise<unknown> {
    return this.#run(() =>
      this.#redis.commands.eval(script, { keys, arguments: args.map(String) }),
    );
  }

  /**
   * Runs a command, waiting at most the timeout (a command sent to a frozen server would wait
   * for the socket timeout, which traffic keeps postponing); anything but an error reply from
   * Redis itself means "unreachable".
   */
  async #run<T>(command: () => Promise<T>, timeoutMs = this.#timeoutMs): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const pending = Promise.resolve().then(command);
    // It may settle after the caller gave up: that outcome is no longer anyone's business.
    pending.catch(() => undefined);
    try {
      return await Promise.race([
        pending,
        new Promise<never>((_resolve, reject) => {
          timer = setTimeout(() => reject(new Error('Redis command timed out')), timeoutMs);
        }),
      ]);
    } catch (error) {
      // An error reply is a bug (a wrong command or script), not an outage: let it surface as 500.
      if (error instanceof ErrorReply) throw error;
      throw new StoreUnavailableError({ cause: error });
    } finally {
      clearTimeout(timer);
    }
  }
}
