/**
 * Rate limits on the routes anonymous callers reach (`/bff/login`, `/bff/callback`,
 * `/bff/refresh`, `/bff/backchannel-logout`), with the real BFF and provider: in process, and
 * two instances on one real redis-server sharing every limit; a Redis that stops answering while
 * a limit is checked lets the request through (the route then answers 503 on its own) and says
 * so in the log. Every 429 is counted.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Browser } from './helpers/browser.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';
import {
  baseOf,
  startBff,
  startRedisBff,
  startStack,
  type RunningBff,
  type Stack,
} from './helpers/stack.ts';

let stack: Stack;
before(async () => {
  stack = await startStack();
});
after(async () => {
  await stack.close();
});

const LIMITS = {
  BFF_RATE_LIMIT_WINDOW: '60',
  BFF_RATE_LIMIT_LOGIN: '4',
  BFF_RATE_LIMIT_CALLBACK: '3',
  BFF_RATE_LIMIT_REFRESH: '5',
  BFF_RATE_LIMIT_BACKCHANNEL_LOGOUT: '2',
};

/** Status counts of `count` sequential requests, each sent to `base(i)`. */
async function statuses(
  count: number,
  send: (i: number) => Promise<Response>,
): Promise<{ counts: Record<number, number>; refused: Response[] }> {
  const counts: Record<number, number> = {};
  const refused: Response[] = [];
  for (let i = 0; i < count; i += 1) {
    const answer = await send(i);
    counts[answer.status] = (counts[answer.status] ?? 0) + 1;
    if (answer.status === 429) refused.push(answer);
  }
  return { counts, refused };
}

async function assertRateLimited(answer: Response, windowSeconds: number): Promise<void> {
  assert.equal(answer.status, 429);
  assert.equal(answer.headers.get('x-bff-source'), 'bff');
  const retryAfter = Number(answer.headers.get('retry-after'));
  assert.ok(retryAfter >= 1 && retryAfter <= windowSeconds, `Retry-After ${retryAfter}`);
  const body = (await answer.json()) as { error: string; message: string };
  assert.equal(body.error, 'rate_limited');
}

/** One request to each limited route, as an anonymous script sends it. */
function routes(base: string) {
  // The app's origin is the stack's, whichever instance answers (the CSRF check wants it).
  const browser = new Browser(stack.origin);
  return {
    login: () => fetch(`${base}/bff/login`, { redirect: 'manual' }),
    callback: () => fetch(`${base}/bff/callback?state=x&code=y`, { redirect: 'manual' }),
    refresh: () =>
      browser.call('/bff/refresh', { method: 'POST', body: JSON.stringify({ version: 1 }), base }),
    backchannel: () =>
      fetch(`${base}/bff/backchannel-logout`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'logout_token=not-a-token',
      }),
  };
}

describe('rate limits in process', () => {
  let bff: RunningBff;
  before(async () => {
    bff = await startBff(stack, { env: LIMITS });
  });
  after(async () => {
    await bff.close();
  });

  it('limits each route per client and window, answering 429 with Retry-After', async () => {
    const send = routes(stack.origin);
    const login = await statuses(7, send.login);
    assert.deepEqual(login.counts, { 303: 4, 429: 3 });
    await assertRateLimited(login.refused[0]!, 60);
    // A callback without its sign-in goes to the login page; past the limit it is refused.
    assert.deepEqual((await statuses(5, send.callback)).counts, { 303: 3, 429: 2 });
    const refresh = await statuses(8, send.refresh);
    assert.deepEqual(refresh.counts, { 401: 5, 429: 3 });
    await assertRateLimited(refresh.refused[2]!, 60);
    assert.deepEqual((await statuses(4, send.backchannel)).counts, { 400: 2, 429: 2 });
  });

  it('leaves the other routes alone', async () => {
    const { counts } = await statuses(10, () => new Browser(stack.origin).call('/bff/session'));
    // Signed out is a normal answer of /bff/session (200, no user), never a 429.
    assert.deepEqual(counts, { 200: 10 });
  });
});

describe('rate limits on one Redis', () => {
  let redis: TestRedis;
  let a: RunningBff;
  let b: RunningBff;

  const instance = (listen: boolean): Promise<RunningBff> =>
    startRedisBff(stack, redis.url, { listen, timeoutMs: 300, env: LIMITS });

  before(async () => {
    redis = await startRedis();
    a = await instance(true);
    b = await instance(false);
  });
  after(async () => {
    await Promise.all([a.close(), b.close()]);
    await redis.stop();
  });

  it('holds across two instances: one limit per client, whichever instance answers', async () => {
    const both = [routes(baseOf(a)), routes(baseOf(b))];
    const login = await statuses(9, (i) => both[i % 2]!.login());
    assert.deepEqual(login.counts, { 303: 4, 429: 5 });
    await assertRateLimited(login.refused[0]!, 60);
    assert.deepEqual((await statuses(6, (i) => both[i % 2]!.refresh())).counts, { 401: 5, 429: 1 });
    assert.deepEqual((await statuses(4, (i) => both[i % 2]!.backchannel())).counts, {
      400: 2,
      429: 2,
    });
  });

  it('lets requests through while Redis cannot count them, with a warning (the route answers 503)', async () => {
    redis.pause();
    try {
      // The login limit is spent (above); with Redis frozen the check lets the request through,
      // and the sign-in, which cannot be stored, goes to the login page as unavailable.
      const answer = await routes(baseOf(a)).login();
      assert.equal(answer.status, 303);
      assert.equal(answer.headers.get('location'), '/login?returnUrl=%2F&error=unavailable');
    } finally {
      redis.resume();
    }
    assert.match(a.log(), /rate limit not checked: store unavailable/);
  });
});
