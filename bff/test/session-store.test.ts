/**
 * One contract for every session store, run against the in-process store and against Redis
 * (a real redis-server): compare-and-set writes, tombstones, lookups by sid and sub, sign-ins in
 * progress, seen jtis, locks, and the idle and absolute lifetimes.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';

import { StoreUnavailableError } from '../errors.ts';
import { MemorySessionStore } from '../session-store/memory.ts';
import { RedisSessionStore } from '../session-store/redis.ts';
import type { NewSession, SessionStore, StoreLifetimes } from '../session-store/types.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';

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

function storeContract(name: string, open: () => Promise<SessionStore>): void {
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
      for (let step = 0; step < 3; step += 1) {
        await delay(250);
        await store.touchSession(used.id, Date.now());
      }
      assert.equal((await store.getSession(idle.id)).state, 'unknown', 'idle past 400 ms');
      assert.equal((await store.getSession(used.id)).state, 'active', 'touched every 250 ms');
      await delay(250);
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

storeContract('memory', async () => new MemorySessionStore(LIFETIMES));

let redis: TestRedis;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis.stop();
});

storeContract('redis', async () => {
  const store = new RedisSessionStore({ ...LIFETIMES, url: redis.url, timeoutMs: 500 });
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
