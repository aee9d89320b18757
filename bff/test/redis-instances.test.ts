/**
 * Two BFF instances sharing one real redis-server, in front of the real provider and API: any
 * instance serves any session, one refresh per expiry across both, a restart loses nothing, and
 * an unreachable Redis means 503 within a bounded time, then everything continues.
 */
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';

import { Browser } from './helpers/browser.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';
import { baseOf, startRedisBff, startStack, type RunningBff, type Stack } from './helpers/stack.ts';

let stack: Stack;
let redis: TestRedis;
let a: RunningBff;
let b: RunningBff;

function instance(listen: boolean): Promise<RunningBff> {
  return startRedisBff(stack, redis.url, { listen });
}

before(async () => {
  stack = await startStack();
  redis = await startRedis();
  a = await instance(true);
  b = await instance(false);
});
after(async () => {
  await Promise.all([a.close(), b.close()]);
  await redis.stop();
  await stack.close();
});

function refreshGrants(): number {
  return stack.idp.stats.snapshot().grants['refresh_token'] ?? 0;
}

describe('two instances on one Redis', () => {
  it('serve one session from either instance', async () => {
    const browser = new Browser(stack.origin);
    await browser.signIn();
    assert.equal((await browser.call('/api/me', { base: baseOf(b) })).status, 200);
    assert.equal((await browser.call('/api/me', { base: baseOf(a) })).status, 200);
  });

  it('make one refresh per expiry for a burst alternating between them, with no replay', async () => {
    const browser = new Browser(stack.origin);
    await browser.signIn();
    const before = refreshGrants();
    const errors = stack.idp.stats.snapshot().grantErrors.length;
    a.advance(59_000);
    b.advance(59_000);
    try {
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          browser.call('/api/me', { base: baseOf(i % 2 ? a : b) }),
        ),
      );
      assert.deepEqual(
        answers.map((r) => r.status),
        Array(20).fill(200),
      );
      const viaRefresh = await Promise.all(
        [a, b].map((bff) =>
          browser.call('/bff/refresh', {
            base: baseOf(bff),
            method: 'POST',
            body: '{"version":1}',
          }),
        ),
      );
      assert.deepEqual(
        (await Promise.all(viaRefresh.map((r) => r.json()))).map(
          (body) => (body as { version: number }).version,
        ),
        [2, 2],
      );
    } finally {
      a.advance(-59_000);
      b.advance(-59_000);
    }
    assert.equal(refreshGrants() - before, 1);
    assert.equal(
      stack.idp.stats.snapshot().grantErrors.length,
      errors,
      'no refresh token replayed',
    );
  });

  it('lose no session when an instance restarts', async () => {
    const browser = new Browser(stack.origin);
    await browser.signIn();
    await b.close();
    b = await instance(false);
    const response = await browser.call('/bff/session', { base: baseOf(b) });
    assert.equal(response.status, 200);
  });

  it('answer 503 within a bounded time while Redis is unreachable, and carry on after', async () => {
    const browser = new Browser(stack.origin);
    await browser.signIn();
    redis.pause();
    try {
      const started = Date.now();
      const answers = await Promise.all([
        browser.call('/api/me', { base: baseOf(a) }),
        browser.call('/bff/session', { base: baseOf(b) }),
        browser.call('/bff/refresh', { base: baseOf(a), method: 'POST', body: '{"version":1}' }),
        browser.call('/bff/logout', { base: baseOf(b), method: 'POST' }),
      ]);
      assert.ok(Date.now() - started < 3000, `bounded (${Date.now() - started} ms)`);
      for (const response of answers) {
        assert.equal(response.status, 503);
        assert.deepEqual(await response.json(), {
          error: 'unavailable',
          message: 'try again later',
        });
      }
      const health = await fetch(`${baseOf(a)}/bff/health`);
      assert.equal(health.status, 503);
      assert.deepEqual(await health.json(), { status: 'unavailable', store: 'down' });
      assert.ok(browser.cookie('bff_session'), 'the cookie is kept');
    } finally {
      redis.resume();
    }
    let status = 0;
    for (let attempt = 0; attempt < 50 && status !== 200; attempt += 1) {
      await delay(100);
      status = (await browser.call('/api/me', { base: baseOf(a) })).status;
    }
    assert.equal(status, 200, 'the same session works again without a sign-in');
    assert.equal((await browser.call('/api/me', { base: baseOf(b) })).status, 200);
  });
});
