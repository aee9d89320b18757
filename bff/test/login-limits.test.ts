/**
 * Bounded state for anonymous callers, with the real BFF in front of the real provider: sign-ins
 * in progress are bounded per client address and in total (none evicted), the sign-in, callback,
 * refresh and back-channel routes are rate limited, the client address comes from
 * X-Forwarded-For only as BFF_TRUST_PROXY says. Every refusal is counted exactly.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';

import { MemorySessionStore } from '../session-store/memory.ts';
import { Browser } from './helpers/browser.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';
import {
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

/** The answers to `count` requests made `concurrency` at a time. */
async function burst(
  count: number,
  request: (index: number) => Promise<Response>,
  concurrency = 25,
): Promise<Response[]> {
  const answers: Response[] = [];
  for (let start = 0; start < count; start += concurrency) {
    const batch = Array.from({ length: Math.min(concurrency, count - start) }, (_, i) =>
      request(start + i),
    );
    answers.push(...(await Promise.all(batch)));
  }
  return answers;
}

/** Anonymous GET /bff/login as a script sends it (no Fetch Metadata, no HTML in Accept). */
function anonymousLogin(headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${stack.origin}/bff/login?returnUrl=/dashboard`, { redirect: 'manual', headers });
}

/** How many answers went to the provider, and how many got each refusal status. */
function tally(answers: Response[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const answer of answers) {
    const location = answer.headers.get('location') ?? '';
    const key =
      answer.status === 303 && location.startsWith(stack.idp.issuer)
        ? 'provider'
        : answer.status === 303
          ? `303 ${location}`
          : String(answer.status);
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/** A browser's top-level navigation (fetch() would send its own `Sec-Fetch-Mode: cors`). */
function navigate(path: string, headers: Record<string, string>): Promise<Response> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(new URL(path, stack.origin), {
      headers: { 'sec-fetch-mode': 'navigate', accept: 'text/html', ...headers },
    });
    outgoing.on('response', (incoming) => {
      incoming.resume();
      const answer = new Headers();
      for (const [name, value] of Object.entries(incoming.headers))
        if (typeof value === 'string') answer.set(name, value);
      resolve(new Response(null, { status: incoming.statusCode ?? 0, headers: answer }));
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

async function assertRefusal(answer: Response, status: number, code: string): Promise<void> {
  assert.equal(answer.status, status);
  assert.equal(answer.headers.get('x-bff-source'), 'bff');
  const retryAfter = Number(answer.headers.get('retry-after'));
  assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1, `Retry-After ${retryAfter}`);
  const body = (await answer.json()) as { error: string };
  assert.equal(body.error, code);
}

describe('sign-ins in progress', () => {
  let bff: RunningBff;
  before(async () => {
    bff = await startBff(stack, {
      env: { BFF_LOGIN_PENDING_PER_CLIENT: '20', BFF_LOGIN_PENDING_MAX: '50' },
    });
  });
  after(async () => {
    await bff.close();
  });

  it('1,000 anonymous /bff/login leave at most 20 pending sign-ins, and a real sign-in started before completes', async () => {
    const store = bff.store as MemorySessionStore;
    const user = new Browser(stack.origin);
    let answers: Response[] = [];
    const landed = await user.signIn({
      // The user's sign-in is stored; then the flood, from the same address; then the provider.
      beforeProvider: async () => {
        answers = await burst(1000, () => anonymousLogin());
      },
    });
    assert.deepEqual(tally(answers), { provider: 19, '429': 981 });
    // 19 sign-ins of the flood in progress (the user's was the 20th) and the user's session.
    assert.equal(store.size, 20);
    for (const answer of answers.filter(({ status }) => status === 429).slice(0, 3)) {
      await assertRefusal(answer, 429, 'rate_limited');
    }
    assert.equal(landed.pathname, '/dashboard');
    assert.equal((await user.call('/bff/session')).status, 200);
  });
});

describe('sign-ins in progress, per address behind a trusted proxy', () => {
  let bff: RunningBff;
  before(async () => {
    bff = await startBff(stack, {
      env: {
        BFF_TRUST_PROXY: 'loopback',
        BFF_LOGIN_PENDING_PER_CLIENT: '5',
        BFF_LOGIN_PENDING_MAX: '12',
      },
    });
  });
  after(async () => {
    await bff.close();
  });

  const from = (address: string, headers: Record<string, string> = {}) =>
    anonymousLogin({ 'x-forwarded-for': address, ...headers });

  it('limits each address on its own, then everyone at the total, refusing new sign-ins only', async () => {
    const first = await burst(8, () => from('203.0.113.1'));
    assert.deepEqual(tally(first), { provider: 5, '429': 3 });
    await assertRefusal(
      first.find(({ status }) => status === 429)!,
      429,
      'rate_limited',
    );
    // Another address is not held back by the first one's flood.
    assert.deepEqual(tally(await burst(8, () => from('203.0.113.2'))), { provider: 5, '429': 3 });
    // 10 of 12 in progress: two more fit, then the whole BFF is full (503) for every address.
    const third = await burst(4, () => from('203.0.113.3'), 1);
    assert.deepEqual(tally(third), { provider: 2, '503': 2 });
    await assertRefusal(third[3]!, 503, 'unavailable');
    assert.equal(
      (bff.store as MemorySessionStore).size,
      12,
      'nothing evicted, nothing more stored',
    );
  });

  it('sends a refused navigation to the login page with the reason and Retry-After', async () => {
    const login = '/bff/login?returnUrl=/dashboard';
    const refused = await navigate(login, { 'x-forwarded-for': '203.0.113.1' });
    assert.equal(refused.status, 303);
    assert.equal(
      refused.headers.get('location'),
      '/login?returnUrl=%2Fdashboard&error=rate_limited',
    );
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    const full = await navigate(login, { 'x-forwarded-for': '203.0.113.9' });
    assert.equal(full.headers.get('location'), '/login?returnUrl=%2Fdashboard&error=busy');
  });
});

describe('the client address without a trusted proxy', () => {
  let bff: RunningBff;
  before(async () => {
    bff = await startBff(stack, { env: { BFF_LOGIN_PENDING_PER_CLIENT: '3' } });
  });
  after(async () => {
    await bff.close();
  });

  it('is the TCP peer: X-Forwarded-For cannot buy a caller more sign-ins', async () => {
    const answers = await burst(6, (i) => anonymousLogin({ 'x-forwarded-for': `198.51.100.${i}` }));
    assert.deepEqual(tally(answers), { provider: 3, '429': 3 });
  });
});

describe('the client address behind one trusted hop', () => {
  let bff: RunningBff;
  before(async () => {
    bff = await startBff(stack, {
      env: { BFF_TRUST_PROXY: '1', BFF_LOGIN_PENDING_PER_CLIENT: '3' },
    });
  });
  after(async () => {
    await bff.close();
  });

  it('is the address the proxy saw (rightmost X-Forwarded-For), not what the caller claims', async () => {
    // The caller's own entries on the left change nothing: the proxy appended 203.0.113.5.
    const same = await burst(5, (i) =>
      anonymousLogin({ 'x-forwarded-for': `198.51.100.${i}, 203.0.113.5` }),
    );
    assert.deepEqual(tally(same), { provider: 3, '429': 2 });
    const other = await anonymousLogin({ 'x-forwarded-for': '203.0.113.5, 203.0.113.6' });
    assert.deepEqual(tally([other]), { provider: 1 });
  });
});

describe('sign-ins in progress on one Redis', () => {
  let redis: TestRedis;
  let a: RunningBff;
  let b: RunningBff;

  const instance = (listen: boolean): Promise<RunningBff> =>
    startRedisBff(stack, redis.url, { listen, loginLimits: { perClient: 3, total: 100 } });

  before(async () => {
    redis = await startRedis();
    a = await instance(true);
    b = await instance(false);
  });
  after(async () => {
    await Promise.all([a.close(), b.close()]);
    await redis.stop();
  });

  it('share one bound: a client gets 3 sign-ins in progress across both instances', async () => {
    const bases = [a, b].map(
      (bff) => `http://localhost:${(bff.server.server.address() as { port: number }).port}`,
    );
    const answers = await burst(
      10,
      (i) => fetch(`${bases[i % 2]}/bff/login?returnUrl=/dashboard`, { redirect: 'manual' }),
      1,
    );
    assert.deepEqual(tally(answers), { provider: 3, '429': 7 });
    // A sign-in taken on one instance frees its slot for both: a user then signs in through a.
    const browser = new Browser(stack.origin);
    const state = new URL(answers[0]!.headers.get('location')!).searchParams.get('state')!;
    assert.ok(await b.store.takeLogin(state), 'a pending sign-in taken, as a callback does');
    assert.equal((await browser.signIn()).pathname, '/dashboard');
  });
});
