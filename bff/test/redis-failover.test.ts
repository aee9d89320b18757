/**
 * A Redis failover under load (issue 24): sessions keep refreshing through the BFF on Sentinel (a
 * primary and two replicas, `REDIS_REPLICA_ACKS=1`) while the primary is killed (SIGKILL). Every
 * round moves the BFF's clock past the access token's lifetime, so each session's API call
 * refreshes first. Counted: sessions signed out, refresh tokens replayed at the provider, and
 * failed requests after the failover window (goal 0, 0, 0), and only 503s during it.
 */
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';

import { Browser } from './helpers/browser.ts';
import { startSentinel, type TestSentinel } from './helpers/redis-topologies.ts';
import { startRedisBff, startStack, type RunningBff, type Stack } from './helpers/stack.ts';

const SESSIONS = 4;
/** After the sentinels name the new primary, clients get this long to find it. */
const SETTLE_MS = 3_000;

let stack: Stack;
let sentinel: TestSentinel;
let bff: RunningBff;

before(async () => {
  [stack, sentinel] = await Promise.all([startStack(), startSentinel({ replicas: 2 })]);
  bff = await startRedisBff(stack, sentinel.topology, {
    listen: true,
    timeoutMs: 1000,
    replicaAcks: { replicas: 1, timeoutMs: 500 },
  });
});
after(async () => {
  await bff.close();
  await Promise.all([stack.close(), sentinel.stop()]);
});

interface Answer {
  readonly at: number;
  readonly status: number;
}

describe('a Redis failover while sessions refresh', () => {
  it('signs nobody out, replays no refresh token, and fails no request after the window', async (t) => {
    const browsers = await Promise.all(
      Array.from({ length: SESSIONS }, async () => {
        const browser = new Browser(stack.origin);
        await browser.signIn();
        return browser;
      }),
    );
    const before = stack.idp.stats.snapshot();
    const answers: Answer[] = [];
    const round = async () => {
      // Every access token is past its lifetime on the BFF's clock: each call refreshes first.
      bff.advance(61_000);
      const statuses = await Promise.all(
        browsers.map((browser) => browser.call('/api/me').then((r) => r.status)),
      );
      for (const status of statuses) answers.push({ at: Date.now(), status });
    };

    for (let i = 0; i < 2; i++) await round();
    const oldPrimary = await sentinel.primaryPort();
    const killedAt = Date.now();
    await sentinel.primary.kill();
    let switchedAt = 0;
    while (Date.now() - killedAt < 30_000) {
      await round();
      if (!switchedAt && (await sentinel.primaryPort().catch(() => oldPrimary)) !== oldPrimary)
        switchedAt = Date.now();
      if (switchedAt && Date.now() > switchedAt + SETTLE_MS) break;
      await delay(200);
    }
    assert.ok(switchedAt, 'the sentinels promoted a replica within 30 s');
    const windowEnd = switchedAt + SETTLE_MS;
    for (let i = 0; i < 3; i++) await round();

    const during = answers.filter(({ at }) => at >= killedAt && at < windowEnd);
    const afterWindow = answers.filter(({ at }) => at >= windowEnd);
    const sessions = await Promise.all(
      browsers.map(async (browser) => (await browser.call('/bff/session')).json()),
    );
    const now = stack.idp.stats.snapshot();
    const counts = {
      signedOut: sessions.filter((session) => (session as { user: unknown }).user === null).length,
      replayed: now.grantErrors
        .slice(before.grantErrors.length)
        .filter((error) => error.replayedRefreshToken).length,
      failedAfterWindow: afterWindow.filter(({ status }) => status !== 200).length,
    };
    const statusesDuring = [...new Set(during.map(({ status }) => status))].sort();
    t.diagnostic(
      `failover: ${during.length} requests in a ${windowEnd - killedAt} ms window ` +
        `(statuses ${statusesDuring.join(', ')}), ${afterWindow.length} after; ` +
        `signed out ${counts.signedOut}, replayed ${counts.replayed}, ` +
        `failed after the window ${counts.failedAfterWindow}; refresh grants ` +
        `${(now.grants['refresh_token'] ?? 0) - (before.grants['refresh_token'] ?? 0)}`,
    );
    assert.deepEqual(counts, { signedOut: 0, replayed: 0, failedAfterWindow: 0 });
    assert.deepEqual(
      statusesDuring.filter((status) => status !== 200 && status !== 503),
      [],
      'only 503s during the window',
    );
    assert.deepEqual(
      now.grantErrors.slice(before.grantErrors.length),
      [],
      'no refresh grant refused',
    );
  });
});
