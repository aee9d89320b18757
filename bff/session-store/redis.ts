/**
 * The Redis session store (node-redis 5), for several BFF instances and sessions that survive a
 * restart. Compare-and-set writes, tombstones and lock compare-and-delete run as Lua scripts,
 * which Redis executes atomically. Commands never wait for a connection: the offline queue is
 * off and every command has a timeout, so an unreachable Redis costs at most `timeoutMs` and
 * surfaces as `StoreUnavailableError` (503).
 *
 * Keys (prefix `bff:` by default): `session:<id>` hash (meta fields, `rev`, `tokens`, or `ended`
 * for a tombstone), expiring at min(last touch + idle timeout, creation + absolute lifetime);
 * `sid:<sid>` and `sub:<sub>` sets of session ids; `login:<state>`; `jti:<jti>`; `lock:<name>`.
 */
import { createClient, ErrorReply } from 'redis';

import { SignInLimitError, StoreUnavailableError, type SessionEndReason } from '../errors.ts';
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
  type WriteResult,
  secondsUntil,
} from './types.ts';

export interface RedisStoreOptions extends StoreLifetimes {
  readonly url: string;
  /** Longest wait for one command (and for connecting). */
  readonly timeoutMs: number;
  readonly keyPrefix?: string;
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

// KEYS[1] session; ARGV: now, idle ms, absolute ms.
const TOUCH = `
local created = redis.call('HGET', KEYS[1], 'createdAt')
if not created or redis.call('HEXISTS', KEYS[1], 'ended') == 1 then return 0 end
local now = tonumber(ARGV[1])
redis.call('HSET', KEYS[1], 'lastSeenAt', ARGV[1])
redis.call('PEXPIREAT', KEYS[1], math.min(now + tonumber(ARGV[2]), tonumber(created) + tonumber(ARGV[3])))
return 1`;

// KEYS[1] session; ARGV: reason, tombstone ms, key prefix. The first reason wins.
const END = `
if redis.call('HEXISTS', KEYS[1], 'ended') == 1 then return 0 end
local ids = redis.call('HMGET', KEYS[1], 'sid', 'sub')
local id = string.sub(KEYS[1], string.len(ARGV[3]) + 9)
if ids[1] then redis.call('SREM', ARGV[3] .. 'sid:' .. ids[1], id) end
if ids[2] then redis.call('SREM', ARGV[3] .. 'sub:' .. ids[2], id) end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'ended', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;

// KEYS[1] index set; ARGV: key prefix. Live members only; stale ones are dropped on the way.
const LIVE_MEMBERS = `
local live = {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local key = ARGV[1] .. 'session:' .. id
  if redis.call('HEXISTS', key, 'rev') == 1 then table.insert(live, id)
  else redis.call('SREM', KEYS[1], id) end
end
return live`;

const EXTEND_LOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

const RELEASE_LOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

type Client = ReturnType<typeof createClient>;

export class RedisSessionStore implements SessionStore {
  readonly #client: Client;
  readonly #prefix: string;
  readonly #lifetimes: Required<StoreLifetimes>;
  readonly #timeoutMs: number;
  readonly #keepAlive: NodeJS.Timeout;
  #pinging = false;

  constructor(options: RedisStoreOptions) {
    this.#prefix = options.keyPrefix ?? 'bff:';
    this.#lifetimes = {
      idleTimeoutMs: options.idleTimeoutMs,
      absoluteLifetimeMs: options.absoluteLifetimeMs,
      loginTtlMs: options.loginTtlMs ?? DEFAULT_LOGIN_TTL_MS,
      tombstoneTtlMs: options.tombstoneTtlMs ?? DEFAULT_TOMBSTONE_TTL_MS,
      loginLimits: options.loginLimits ?? DEFAULT_LOGIN_LIMITS,
    };
    this.#client = createClient({
      url: options.url,
      // Queued commands would make every request wait for Redis to come back: fail them at once.
      disableOfflineQueue: true,
      commandOptions: { timeout: options.timeoutMs },
      // node-redis' timeout only covers a command waiting to be sent; one already sent to a frozen
      // server waits until the socket has been idle this long, which fails what is pending and
      // reconnects. #run bounds each caller's wait; #keepAlive keeps a healthy idle socket busy.
      socket: {
        connectTimeout: options.timeoutMs,
        socketTimeout: options.timeoutMs,
        // Keep trying for as long as the process lives, at most every 2 s.
        reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 2000),
      },
    });
    // Without a listener node-redis would crash the process on the first connection error.
    this.#client.on('error', (error: Error) => options.onError?.(error));
    this.#timeoutMs = options.timeoutMs;
    this.#keepAlive = setInterval(() => this.#ping(), Math.max(50, options.timeoutMs / 2));
    this.#keepAlive.unref();
  }

  /** One keep-alive PING at a time: while it waits, the socket may go idle and time out. */
  #ping(): void {
    if (this.#pinging || !this.#client.isReady) return;
    this.#pinging = true;
    this.#client
      .ping()
      .catch(() => undefined)
      .finally(() => (this.#pinging = false));
  }

  /** Starts connecting; resolves when connected, rejects (and keeps retrying) when not. */
  async connect(): Promise<void> {
    await this.#client.connect();
  }

  async createSession(session: NewSession): Promise<void> {
    const key = this.#key('session', session.id);
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
    const indexTtl = this.#lifetimes.absoluteLifetimeMs;
    await this.#run(async () => {
      const multi = this.#client.multi().hSet(key, fields).pExpireAt(key, expiresAt);
      multi
        .sAdd(this.#key('sub', session.sub), session.id)
        .pExpire(this.#key('sub', session.sub), indexTtl);
      if (session.sid !== undefined) {
        multi
          .sAdd(this.#key('sid', session.sid), session.id)
          .pExpire(this.#key('sid', session.sid), indexTtl);
      }
      await multi.exec();
    });
  }

  async getSession(id: string): Promise<SessionLookup> {
    const hash = await this.#run(() => this.#client.hGetAll(this.#key('session', id)));
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
    await this.#eval(TOUCH, [this.#key('session', id)], [now, idleTimeoutMs, absoluteLifetimeMs]);
  }

  async writeTokens(
    id: string,
    expectedRevision: number,
    next: NewTokenRecord,
  ): Promise<WriteResult> {
    const tokens = JSON.stringify({ ...next, revision: expectedRevision + 1 });
    return (await this.#eval(
      WRITE_TOKENS,
      [this.#key('session', id)],
      [expectedRevision, tokens],
    )) as WriteResult;
  }

  async endSession(id: string, reason: SessionEndReason): Promise<void> {
    await this.#eval(
      END,
      [this.#key('session', id)],
      [reason, this.#lifetimes.tombstoneTtlMs, this.#prefix],
    );
  }

  async sessionsBySid(sid: string): Promise<string[]> {
    return (await this.#eval(LIVE_MEMBERS, [this.#key('sid', sid)], [this.#prefix])) as string[];
  }

  async sessionsBySub(sub: string): Promise<string[]> {
    return (await this.#eval(LIVE_MEMBERS, [this.#key('sub', sub)], [this.#prefix])) as string[];
  }

  async putLogin(login: PendingLogin, client?: string): Promise<void> {
    const now = Date.now();
    const { loginTtlMs, loginLimits } = this.#lifetimes;
    const [outcome, freesAt] = (await this.#eval(
      PUT_LOGIN,
      [
        this.#key('login', login.state),
        this.#key('logins', ''),
        this.#key('loginclient', client ?? ''),
      ],
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
    const raw = await this.#eval(
      TAKE_LOGIN,
      [this.#key('login', state), this.#key('logins', '')],
      [state, this.#prefix],
    );
    if (typeof raw !== 'string') return undefined;
    const { _client: _ignored, ...login } = JSON.parse(raw) as PendingLogin & { _client?: string };
    return login;
  }

  async countRequest(key: string, windowMs: number): Promise<WindowCount> {
    const [count, resetInMs] = (await this.#eval(
      COUNT_REQUEST,
      [this.#key('rate', key)],
      [windowMs],
    )) as [number, number];
    return { count, resetInMs };
  }

  async hasSeenJti(jti: string): Promise<boolean> {
    return (await this.#run(() => this.#client.exists(this.#key('jti', jti)))) === 1;
  }

  async markJtiSeen(jti: string, ttlMs: number): Promise<boolean> {
    const reply = await this.#run(() =>
      this.#client.set(this.#key('jti', jti), '1', {
        condition: 'NX',
        expiration: { type: 'PX', value: ttlMs },
      }),
    );
    return reply === 'OK';
  }

  async acquireLock(name: string, owner: string, ttlMs: number): Promise<boolean> {
    const key = this.#key('lock', name);
    const reply = await this.#run(() =>
      this.#client.set(key, owner, { condition: 'NX', expiration: { type: 'PX', value: ttlMs } }),
    );
    // Re-acquiring a lock one already holds extends it, as in the memory store.
    return reply === 'OK' || (await this.extendLock(name, owner, ttlMs));
  }

  async extendLock(name: string, owner: string, ttlMs: number): Promise<boolean> {
    return (await this.#eval(EXTEND_LOCK, [this.#key('lock', name)], [owner, ttlMs])) === 1;
  }

  async releaseLock(name: string, owner: string): Promise<void> {
    await this.#eval(RELEASE_LOCK, [this.#key('lock', name)], [owner]);
  }

  async ping(): Promise<void> {
    await this.#run(() => this.#client.ping());
  }

  async close(): Promise<void> {
    clearInterval(this.#keepAlive);
    // destroy(), not close(): close() waits for pending replies, which never come from a dead server.
    if (this.#client.isOpen) this.#client.destroy();
  }

  #key(kind: string, id: string): string {
    return `${this.#prefix}${kind}:${id}`;
  }

  #eval(script: string, keys: string[], args: Array<string | number>): Promise<unknown> {
    return this.#run(() => this.#client.eval(script, { keys, arguments: args.map(String) }));
  }

  /**
   * Runs a command, waiting at most the timeout (a command sent to a frozen server would wait
   * for the socket timeout, which traffic keeps postponing); anything but an error reply from
   * Redis itself means "unreachable".
   */
  async #run<T>(command: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const pending = Promise.resolve().then(command);
    // It may settle after the caller gave up: that outcome is no longer anyone's business.
    pending.catch(() => undefined);
    try {
      return await Promise.race([
        pending,
        new Promise<never>((_resolve, reject) => {
          timer = setTimeout(() => reject(new Error('Redis command timed out')), this.#timeoutMs);
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
