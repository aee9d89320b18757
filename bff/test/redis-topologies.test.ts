/**
 * The whole BFF, two instances, on the Redis setups deployments run instead of one server: a
 * Redis Cluster (three primaries, three replicas) and Sentinel (a primary, a replica, three
 * sentinels), in front of the real provider and API. Any instance serves any session, a burst
 * after expiry alternating between them makes one refresh and replays nothing, and a sign-out on
 * one is final on the other.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Browser } from './helpers/browser.ts';
import {
  startCluster,
  startSentinel,
  type TestCluster,
  type TestSentinel,
} from './helpers/redis-topologies.ts';
import { baseOf, startRedisBff, startStack, type RunningBff, type Stack } from './helpers/stack.ts';

let stack: Stack;
let cluster: TestCluster;
let sentinel: TestSentinel;

before(async () => {
  [stack, cluster, sentinel] = await Promise.all([startStack(), startCluster(), startSentinel()]);
});
after(async () => {
  await Promise.all([stack.close(), cluster.stop(), sentinel.stop()]);
});

const grants = () => stack.idp.stats.snapshot();

for (const kind of ['cluster', 'sentinel'] as const) {
  describe(`two instances on a Redis ${kind}`, () => {
    let a: RunningBff;
    let b: RunningBff;

    before(async () => {
      const topology = kind === 'cluster' ? cluster.topology : sentinel.topology;
      a = await startRedisBff(stack, topology, { listen: true, timeoutMs: 1000 });
      b = await startRedisBff(stack, topology, { listen: false, timeoutMs: 1000 });
    });
    after(async () => {
      await Promise.all([a.close(), b.close()]);
    });

    it('serve one session from either instance, with one refresh for a burst after expiry', async () => {
      const browser = new Browser(stack.origin);
      await browser.signIn();
      assert.equal((await browser.call('/api/me', { base: baseOf(b) })).status, 200);
      const before = grants();
      a.advance(59_000);
      b.advance(59_000);
      try {
        const answers = await Promise.all(
          Array.from({ length: 12 }, (_, i) =>
            browser.call('/api/me', { base: baseOf(i % 2 ? a : b) }),
          ),
        );
        assert.deepEqual(
          answers.map((r) => r.status),
          Array(12).fill(200),
        );
      } finally {
        a.advance(-59_000);
        b.advance(-59_000);
      }
      const after = grants();
      assert.equal(
        (after.grants['refresh_token'] ?? 0) - (before.grants['refresh_token'] ?? 0),
        1,
        'one refresh',
      );
      assert.deepEqual(after.grantErrors.slice(before.grantErrors.length), [], 'no replay');
    });

    it('sign out on one instance, and the other knows at once', async () => {
      const browser = new Browser(stack.origin);
      await browser.signIn();
      const id = browser.cookie('bff_session')!.value;
      assert.equal(
        (await browser.call('/bff/logout', { base: baseOf(a), method: 'POST' })).status,
        200,
      );
      browser.cookies.set('bff_session;/', { name: 'bff_session', value: id, path: '/', raw: '' });
      assert.deepEqual(await (await browser.call('/bff/session', { base: baseOf(b) })).json(), {
        user: null,
        reason: 'signed_out',
      });
      assert.equal((await browser.call('/api/me', { base: baseOf(b) })).status, 401);
    });
  });
}

describe('a replica that stops acknowledging (Sentinel)', () => {
  let bff: RunningBff;

  before(async () => {
    bff = await startRedisBff(stack, sentinel.topology, {
      listen: true,
      timeoutMs: 1000,
      replicaAcks: { replicas: 1, timeoutMs: 300 },
    });
  });
  after(async () => {
    await bff.close();
  });

  it('makes the refresh answer 503 before the refresh token is presented, then it completes once', async () => {
    const browser = new Browser(stack.origin);
    await browser.signIn();
    const before = grants();
    const refresh = () =>
      browser.call('/bff/refresh', { method: 'POST', body: JSON.stringify({ version: 1 }) });
    bff.advance(59_000);
    sentinel.replica.pause();
    let during: Response;
    try {
      during = await refresh();
    } finally {
      sentinel.replica.resume();
    }
    assert.equal(during.status, 503, await during.clone().text());
    assert.equal(
      (grants().grants['refresh_token'] ?? 0) - (before.grants['refresh_token'] ?? 0),
      0,
      'the refresh token was not presented: its mark had no replica',
    );
    assert.equal((await browser.call('/bff/session')).status, 200);
    let after = await refresh();
    for (let attempt = 0; attempt < 20 && after.status === 503; attempt++) {
      await new Promise((done) => setTimeout(done, 200));
      after = await refresh();
    }
    bff.advance(-59_000);
    assert.equal(after.status, 200, await after.clone().text());
    assert.deepEqual(
      { refreshed: ((await after.json()) as { refreshed: boolean }).refreshed },
      { refreshed: true },
    );
    const now = grants();
    assert.equal(
      (now.grants['refresh_token'] ?? 0) - (before.grants['refresh_token'] ?? 0),
      1,
      'one refresh',
    );
    assert.deepEqual(now.grantErrors.slice(before.grantErrors.length), [], 'no replay');
  });
});
