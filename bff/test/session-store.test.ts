/**
 * One contract for every session store, run against the in-process store and against Redis
 * (a real redis-server): compare-and-set writes, tombstones, lookups by sid and sub, sign-ins in
 * progress, seen jtis, locks, and the idle and absolute lifetimes.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';

import { MemorySessionStore } from '../session-store/memory.ts';
import { RedisSessionStore } from '../session-store/redis.ts';
import { createClient } from 'redis';

import { SessionStoreFullError, SignInLimitError, StoreUnavailableError } from '../errors.ts';
import type {
  NewSession,
  PendingLogin,
  SessionStore,
  StoreLifetimes,
} from '../session-store/types.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';
import {
  startCluster,
  startSentinel,
  type TestCluster,
  type TestSentinel,
} from './helpers/redis-topologies.ts';

/** Short, real lifetimes: both stores measure time the same way (Redis with its own TTLs). */
const LIFETIMES: StoreLifetimes = {
  idleTimeoutMs: 400,
  absoluteLifetimeMs: 900,
  loginTtlMs: 300,
  tombstoneTtlMs: 300,
};

function newSession(overrides: Partial<NewSession> = {}): NewSession {
  const now = Date.now();
  return {
    id: randomUUID(),
    sub: 'alice',
    sid: randomUUID(),
    claims: { sub: 'alice', name: 'Alice' },
    createdAt: now,
    tokens: {
      version: 1,
      accessToken: 'at-1',
      receivedAt: now,
      accessTokenExpiresAt: now + 60_000,
      refreshToken: 'rt-1',
    },
    ...overrides,
  };
}

/** Opens a store of the kind under test; `options` override LIFETIMES (Redis: own key prefix). */
type OpenStore = (options?: Partial<StoreLifetimes>) => Promise<SessionStore>;

function pendingLogin(): PendingLogin {
  return { state: randomUUID(), nonce: 'n', codeVerifier: 'v', returnPath: '/x', bindingHash: 'h' };
}

function storeContract(name: string, open: OpenStore): void {
  describe(`${name} store`, () => {
    let store: SessionStore;
    before(async () => {
      store = await open();
    });
    after(async () => {
      await store.close();
    });

    it('creates a session at token revision 1 and reads it back', async () => {
      const session = newSession();
      await store.createSession(session);
      const lookup = await store.getSession(session.id);
      assert.equal(lookup.state, 'active');
      if (lookup.state !== 'active') return;
      assert.deepEqual(lookup.session.tokens, { ...session.tokens, revision: 1 });
      assert.deepEqual(lookup.session.claims, session.claims);
      assert.equal(lookup.session.sid, session.sid);
      assert.equal(lookup.session.lastSeenAt, session.createdAt);
    });

    it('writes tokens only at the expected revision', async () => {
      const session = newSession();
      await store.createSession(session);
      const next = { ...session.tokens, version: 2, refreshToken: 'rt-2' };
      assert.equal(await store.writeTokens(session.id, 1, next), 'written');
      assert.equal(
        await store.writeTokens(session.id, 1, { ...next, refreshToken: 'rt-old' }),
        'conflict',
      );
      const lookup = await store.getSession(session.id);
      assert.ok(lookup.state === 'active' && lookup.session.tokens.refreshToken === 'rt-2');
      assert.equal(lookup.state === 'active' && lookup.session.tokens.revision, 2);
    });

    it('never creates a session by writing tokens', async () => {
      assert.equal(await store.writeTokens('nobody', 0, newSession().tokens), 'ended');
      assert.equal((await store.getSession('nobody')).state, 'unknown');
    });

    it('leaves a tombstone no late write can undo; the first reason wins', async () => {
      const session = newSession();
      await store.createSession(session);
      await store.endSession(session.id, 'provider_logout');
      await store.endSession(session.id, 'signed_out');
      assert.equal(
        await store.writeTokens(session.id, 1, { ...session.tokens, version: 2 }),
        'ended',
      );
      assert.deepEqual(await store.getSession(session.id), {
        state: 'ended',
        reason: 'provider_logout',
      });
      await delay(350);
      assert.equal(
        await store.writeTokens(session.id, 1, { ...session.tokens, version: 2 }),
        'ended',
      );
      assert.deepEqual(
        await store.getSession(session.id),
        { state: 'unknown' },
        'the tombstone expires',
      );
    });

    it('finds live sessions by sid and by sub', async () => {
      const sub = `user-${randomUUID()}`;
      const a = newSession({ sub });
      const b = newSession({ sub, sid: a.sid });
      const c = newSession({ sub });
      for (const session of [a, b, c]) await store.createSession(session);
      assert.deepEqual((await store.sessionsBySid(a.sid!)).sort(), [a.id, b.id].sort());
      assert.deepEqual((await store.sessionsBySub(sub)).sort(), [a.id, b.id, c.id].sort());
      await store.endSession(b.id, 'signed_out');
      assert.deepEqual(await store.sessionsBySid(a.sid!), [a.id]);
      assert.deepEqual((await store.sessionsBySub(sub)).sort(), [a.id, c.id].sort());
    });

    it('hands a sign-in in progress out once, and not after it expired', async () => {
      const login = {
        state: randomUUID(),
        nonce: 'n',
        codeVerifier: 'v',
        returnPath: '/x',
        bindingHash: 'h',
      };
      await store.putLogin(login);
      assert.deepEqual(await store.takeLogin(login.state), login);
      assert.equal(await store.takeLogin(login.state), undefined);
      const late = { ...login, state: randomUUID() };
      await store.putLogin(late);
      await delay(350);
      assert.equal(await store.takeLogin(late.state), undefined);
    });

    it('bounds sign-ins in progress per client and in total, and never evicts one', async () => {
      const bounded = await open({ loginLimits: { perClient: 3, total: 5 } });
      try {
        const a = [pendingLogin(), pendingLogin(), pendingLogin()];
        for (const login of a) await bounded.putLogin(login, 'client-a');
        await assert.rejects(bounded.putLogin(pendingLogin(), 'client-a'), (error) => {
          assert.ok(error instanceof SignInLimitError);
          assert.equal(error.scope, 'client');
          assert.equal(error.status, 429);
          assert.equal(error.code, 'rate_limited');
          // The oldest of client-a's sign-ins frees its slot within the 300 ms TTL.
          assert.equal(error.retryAfterSeconds, 1);
          return true;
        });
        const b = [pendingLogin(), pendingLogin()];
        for (const login of b) await bounded.putLogin(login, 'client-b');
        // Five in progress: a new client, or one without an address, meets the total bound.
        for (const client of ['client-c', undefined]) {
          await assert.rejects(bounded.putLogin(pendingLogin(), client), (error) => {
            assert.ok(error instanceof SignInLimitError);
            assert.equal(error.scope, 'total');
            assert.equal(error.status, 503);
            assert.equal(error.code, 'unavailable');
            return true;
          });
        }
        // A completed sign-in frees its slots, for its client and in total.
        assert.deepEqual(await bounded.takeLogin(a[0]!.state), a[0]);
        const next = pendingLogin();
        await bounded.putLogin(next, 'client-a');
        // Every sign-in that was admitted is still there: none was evicted by the refusals.
        for (const login of [a[1]!, a[2]!, ...b, next]) {
          assert.deepEqual(await bounded.takeLogin(login.state), login);
        }
      } finally {
        await bounded.close();
      }
    });

    it('frees the slots of sign-ins that expired (the count expires with them)', async () => {
      const bounded = await open({ loginLimits: { perClient: 2, total: 3 } });
      try {
        for (let i = 0; i < 2; i += 1) await bounded.putLogin(pendingLogin(), 'client-a');
        await bounded.putLogin(pendingLogin(), 'client-b');
        await assert.rejects(bounded.putLogin(pendingLogin(), 'client-a'), SignInLimitError);
        await assert.rejects(bounded.putLogin(pendingLogin(), 'client-c'), SignInLimitError);
        await delay(350);
        const fresh = [pendingLogin(), pendingLogin()];
        for (const login of fresh) await bounded.putLogin(login, 'client-a');
        await bounded.putLogin(pendingLogin(), 'client-c');
        assert.deepEqual(await bounded.takeLogin(fresh[1]!.state), fresh[1]);
      } finally {
        await bounded.close();
      }
    });

    it('counts requests per key in a fixed window that starts with the first one', async () => {
      const key = randomUUID();
      const counts = [];
      for (let i = 0; i < 3; i += 1) counts.push(await store.countRequest(key, 300));
      assert.deepEqual(
        counts.map(({ count }) => count),
        [1, 2, 3],
      );
      for (const { resetInMs } of counts)
        assert.ok(resetInMs > 0 && resetInMs <= 300, `${resetInMs}`);
      assert.equal((await store.countRequest(`${key}-other`, 300)).count, 1);
      await delay(350);
      assert.equal((await store.countRequest(key, 300)).count, 1, 'a new window');
    });

    it('remembers a jti for its ttl', async () => {
      const jti = randomUUID();
      assert.equal(await store.hasSeenJti(jti), false);
      assert.equal(await store.markJtiSeen(jti, 200), true);
      assert.equal(await store.hasSeenJti(jti), true);
      assert.equal(await store.markJtiSeen(jti, 200), false);
      await delay(250);
      assert.equal(await store.hasSeenJti(jti), false);
      assert.equal(await store.markJtiSeen(jti, 200), true);
    });

    it('holds a lock for one owner until it is released or expires', async () => {
      const name = randomUUID();
      assert.equal(await store.acquireLock(name, 'a', 200), true);
      assert.equal(await store.acquireLock(name, 'b', 200), false);
      assert.equal(await store.extendLock(name, 'b', 200), false);
      await store.releaseLock(name, 'b');
      assert.equal(await store.acquireLock(name, 'b', 200), false, 'only the owner releases');
      assert.equal(await store.extendLock(name, 'a', 200), true);
      await store.releaseLock(name, 'a');
      assert.equal(await store.acquireLock(name, 'b', 200), true);
      await delay(250);
      assert.equal(await store.acquireLock(name, 'c', 200), true, 'an expired lock is free');
    });

    it('expires an idle session, keeps a touched one, and ends it at the absolute lifetime', async () => {
      const idle = newSession();
      const used = newSession();
      await store.createSession(idle);
      await store.createSession(used);
      // Touched every 100 ms for about 500: 300 ms of slack before the 400 ms idle timeout, and
      // about 400 before the absolute lifetime, for a busy machine (a store on Sentinel or a
      // cluster adds a round trip to each touch).
      for (let step = 0; step < 5; step += 1) {
        await delay(100);
        await store.touchSession(used.id, Date.now());
      }
      assert.equal((await store.getSession(idle.id)).state, 'unknown', 'idle past 400 ms');
      assert.equal((await store.getSession(used.id)).state, 'active', 'touched every 100 ms');
      await delay(300);
      await store.touchSession(used.id, Date.now());
      await delay(200);
      assert.equal(
        (await store.getSession(used.id)).state,
        'unknown',
        'past the 900 ms absolute lifetime',
      );
      assert.deepEqual(
        await store.sessionsBySub(used.sub).then((ids) => ids.includes(used.id)),
        false,
      );
    });

    it('answers ping', async () => {
      await store.ping();
    });
  });
}

storeContract(
  'memory',
  async (options = {}) => new MemorySessionStore({ ...LIFETIMES, ...options }),
);

let redis: TestRedis;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis.stop();
});

storeContract('redis', async (options) => {
  const store = new RedisSessionStore({
    ...LIFETIMES,
    ...options,
    url: redis.url,
    timeoutMs: 500,
    // A store with its own bounds counts only its own sign-ins.
    ...(options ? { keyPrefix: `bff-${randomUUID()}:` } : {}),
  });
  await store.connect();
  return store;
});

describe('memory store housekeeping', () => {
  it('sweeps everything that expired and stops its timer on close', async () => {
    let now = 0;
    const store = new MemorySessionStore({ ...LIFETIMES, now: () => now, sweepIntervalMs: 10 });
    await store.createSession(newSession({ createdAt: 0 }));
    await store.putLogin({
      state: 's',
      nonce: 'n',
      codeVerifier: 'v',
      returnPath: '/',
      bindingHash: 'h',
    });
    await store.markJtiSeen('j', 100);
    await store.acquireLock('l', 'o', 100);
    assert.equal(store.size, 4);
    now = 10_000;
    await delay(30);
    assert.equal(store.size, 0, 'the timer swept');
    await store.close();
  });

  it('holds at most maxSessions: the next sign-in is refused, nobody is evicted', async () => {
    let now = 0;
    const store = new MemorySessionStore({
      ...LIFETIMES,
      now: () => now,
      sweepIntervalMs: 0,
      maxSessions: 3,
    });
    const held = [newSession({ createdAt: 0 }), newSession({ createdAt: 0 })];
    for (const session of held) await store.createSession(session);
    // An ended session is remembered for a while, and counts while it is.
    const ended = newSession({ createdAt: 0 });
    await store.createSession(ended);
    await store.endSession(ended.id, 'signed_out');
    await assert.rejects(
      store.createSession(newSession({ createdAt: 0 })),
      (error: unknown) =>
        error instanceof SessionStoreFullError &&
        error.maxSessions === 3 &&
        error.status === 503 &&
        /BFF_MEMORY_MAX_SESSIONS/.test(error.message),
    );
    for (const session of held)
      assert.equal((await store.getSession(session.id)).state, 'active', 'still signed in');
    assert.equal((await store.getSession(ended.id)).state, 'ended');
    // Once the ended one is forgotten there is room again, without waiting for the sweep timer.
    now = LIFETIMES.tombstoneTtlMs! + 1;
    await store.createSession(newSession({ createdAt: now }));
    assert.equal(store.size, 3);
    await store.close();
  });
});

// The same contract on the topologies deployments run (bff/README.md, "Redis"): a cluster of
// three primaries and three replicas, and Sentinel with a primary and a replica.
let cluster: TestCluster;
let sentinel: TestSentinel;
before(async () => {
  [cluster, sentinel] = await Promise.all([startCluster(), startSentinel()]);
});
after(async () => {
  await Promise.all([cluster.stop(), sentinel.stop()]);
});

for (const kind of ['cluster', 'sentinel'] as const) {
  storeContract(`redis ${kind}`, async (options) => {
    const store = new RedisSessionStore({
      ...LIFETIMES,
      ...options,
      topology: kind === 'cluster' ? cluster.topology : sentinel.topology,
      timeoutMs: 1000,
      keyPrefix: `bff-${randomUUID()}:`,
    });
    await store.connect();
    return store;
  });
}

describe('redis store keys for sign-ins and counters', () => {
  it('leave nothing behind once the sign-ins and windows expired', async () => {
    const keyPrefix = `bff-${randomUUID()}:`;
    const store = new RedisSessionStore({
      ...LIFETIMES,
      loginLimits: { perClient: 2, total: 10 },
      url: redis.url,
      timeoutMs: 500,
      keyPrefix,
    });
    await store.connect();
    const raw = createClient({ url: redis.url });
    await raw.connect();
    try {
      for (const client of ['a', 'a', 'b']) await store.putLogin(pendingLogin(), client);
      await assert.rejects(store.putLogin(pendingLogin(), 'a'), SignInLimitError);
      await store.countRequest('login:a', 300);
      const keys = async () => (await raw.keys(`${keyPrefix}*`)).sort();
      // Three records, the total set, two client sets, one counter: the refusal wrote nothing.
      assert.equal((await keys()).length, 7, String(await keys()));
      for (const key of await keys()) assert.ok((await raw.pTTL(key)) > 0, `${key} expires`);
      await delay(350);
      assert.deepEqual(await keys(), []);
    } finally {
      raw.destroy();
      await store.close();
    }
  });
});

describe('redis store outages', () => {
  it('fails fast with StoreUnavailableError while Redis is frozen, and works again after', async () => {
    const store = new RedisSessionStore({ ...LIFETIMES, url: redis.url, timeoutMs: 300 });
    await store.connect();
    try {
      redis.pause();
      const started = Date.now();
      await assert.rejects(store.getSession('x'), StoreUnavailableError);
      await assert.rejects(store.ping(), StoreUnavailableError);
      assert.ok(
        Date.now() - started < 1500,
        `bounded by the command timeout (${Date.now() - started} ms)`,
      );
    } finally {
      redis.resume();
    }
    for (let attempt = 0; ; attempt += 1) {
      try {
        await store.ping();
        break;
      } catch (error) {
        // Reconnecting after the timeouts; give it a few seconds.
        if (attempt > 40) throw error;
        await delay(100);
      }
    }
    assert.deepEqual(await store.getSession('x'), { state: 'unknown' });
    await store.close();
  });
});
