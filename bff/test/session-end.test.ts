/**
 * The end of a session, known and announced (issue #29), against the real dev provider and API,
 * with the in-memory store and with Redis:
 * - idle timeouts down to 5 s are accepted and enforced by both stores (real time): a session
 *   left alone for longer ends, one used every 2 s outlives two timeouts;
 * - `/bff/session` and `/bff/refresh` answer `idleExpiresIn` and `idleTimeout`, and every proxied
 *   answer to a request with a live session carries `X-BFF-Idle-Expires-In` (never one without);
 * - `/bff/session` is the user's activity ("Stay signed in"): it restarts the idle timeout once a
 *   second has passed, where other requests keep the touch throttle;
 * - `/bff/login?prompt=none` signs in without a page while the provider's session lives, goes on
 *   to an interactive sign-in (never silent again) when the provider needs the user, and any other
 *   `prompt` is refused before anything reaches the provider.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';

import { createClient } from 'redis';

import { IDLE_EXPIRES_HEADER } from '../proxy.ts';
import { readPrompt } from '../prompt-none.ts';
import { sessionView } from '../session-http.ts';
import { redisKeys } from '../session-store/redis-keys.ts';
import type { SessionRecord } from '../session-store/types.ts';
import type { BffConfig } from '../config.ts';
import { Browser } from './helpers/browser.ts';
import { providerCounts } from './helpers/provider-counts.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';
import {
  startBff,
  startRedisBff,
  startStack,
  type RunningBff,
  type Stack,
} from './helpers/stack.ts';

let stack: Stack;
let redis: TestRedis;
before(async () => {
  stack = await startStack();
  redis = await startRedis().catch(async (error: unknown) => {
    await stack.close();
    throw error;
  });
});
after(async () => {
  await redis.stop();
  await stack.close();
});

type StoreKind = 'in-memory store' | 'Redis store';
const STORES: readonly StoreKind[] = ['in-memory store', 'Redis store'];

/** A BFF on the stack's origin with this store and these variables. */
function startWith(kind: StoreKind, env: Record<string, string> = {}): Promise<RunningBff> {
  return kind === 'Redis store'
    ? startRedisBff(stack, redis.url, { env })
    : startBff(stack, { env });
}

const { counts, since } = providerCounts(() => stack, ['codes', 'authorizations']);

async function signedIn(): Promise<Browser> {
  const browser = new Browser(stack.origin);
  await browser.signIn();
  return browser;
}

interface View {
  user: Record<string, unknown> | null;
  reason?: string;
  version?: number;
  sessionExpiresIn?: number;
  idleExpiresIn?: number;
  idleTimeout?: number;
  refreshed?: boolean;
}

async function sessionOf(browser: Browser): Promise<View> {
  const response = await browser.call('/bff/session');
  assert.equal(response.status, 200);
  return (await response.json()) as View;
}

const sessionId = (browser: Browser) => browser.cookie('bff_session')?.value;

async function lastSeenAt(bff: RunningBff, id: string): Promise<number> {
  const lookup = await bff.store.getSession(id);
  assert.equal(lookup.state, 'active');
  assert.ok(lookup.state === 'active');
  return lookup.session.lastSeenAt;
}

const idleHeader = (response: Response) => response.headers.get(IDLE_EXPIRES_HEADER);

/** `value` is `expected`, or at most `slack` seconds less (time that passed on a busy machine). */
function near(value: number | string | null | undefined, expected: number, slack = 2): void {
  const seconds = Number(value);
  assert.ok(
    value !== null && value !== undefined && seconds <= expected && seconds >= expected - slack,
    `${value} is not ${expected} (- ${slack})`,
  );
}

/** Follows redirects until the BFF's origin or a page: where it stopped and every URL visited. */
async function followToBff(
  browser: Browser,
  start: URL,
): Promise<{ response: Response; url: URL; visited: string[] }> {
  const visited = [start.href];
  let url = start;
  let response = await browser.fetch(url);
  for (let hop = 0; hop < 15; hop += 1) {
    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || !location)
      return { response, url, visited };
    url = new URL(location, url);
    if (url.origin === stack.origin) return { response, url, visited };
    visited.push(url.href);
    response = await browser.fetch(url);
  }
  throw new Error('too many redirects');
}

/** Forgets the provider's session (its cookies): the browser is a stranger there. */
function forgetProviderSession(browser: Browser): void {
  for (const [key, cookie] of browser.cookies)
    if (!cookie.name.startsWith('bff_')) browser.cookies.delete(key);
}

/** Fills in the provider's login form shown at `page`; returns the callback URL it leads to. */
async function submitLoginForm(browser: Browser, page: { response: Response; url: URL }) {
  const html = await page.response.text();
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
  assert.ok(action, `the provider's login form: ${html.slice(0, 200)}`);
  const actionUrl = new URL(action.replace(/&amp;/g, '&'), page.url);
  const submitted = await browser.fetch(actionUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username: 'alice', password: 'wonderland' }).toString(),
  });
  return (await browser.follow(submitted, actionUrl, stack.origin)).url;
}

describe('the deadlines, computed', () => {
  // Only the two lifetimes take part.
  const config = { sessionIdleTimeoutMs: 10_000, sessionAbsoluteLifetimeMs: 15_000 } as BffConfig;
  const at = 1_000_000;
  const session = (createdAt: number, lastSeenAt: number): SessionRecord => ({
    id: 'x',
    sub: 'alice',
    claims: { sub: 'alice' },
    createdAt,
    lastSeenAt,
    tokens: {
      revision: 1,
      version: 1,
      accessToken: 'at',
      receivedAt: createdAt,
      accessTokenExpiresAt: createdAt + 60_000,
    },
  });
  const view = (record: SessionRecord & { seenAt?: number }, now: number) =>
    sessionView({ config, now: () => now }, record);

  it('counts idleExpiresIn from the last touch in whole seconds, rounded down', () => {
    assert.equal(config.sessionIdleTimeoutMs, 10_000);
    assert.equal(view(session(at, at), at).idleExpiresIn, 10);
    assert.equal(view(session(at, at), at + 1).idleExpiresIn, 9);
    assert.equal(view(session(at, at + 2000), at + 3500).idleExpiresIn, 8);
    assert.equal(view(session(at, at), at).idleTimeout, 10);
  });

  it('counts from the time the request read the session, when it says so', () => {
    assert.equal(
      view({ ...session(at, at + 2000), seenAt: at + 2000 }, at + 2300).idleExpiresIn,
      10,
    );
  });

  it('never past the absolute end, and 0 once over', () => {
    const late = view({ ...session(at, at + 9000), seenAt: at + 9000 }, at + 9000);
    assert.equal(late.sessionExpiresIn, 6);
    assert.equal(late.idleExpiresIn, 6, 'the absolute end comes first');
    assert.equal(view(session(at, at + 9000), at + 9001).idleExpiresIn, 5);
    // Read at 9 s, answered at 9.5 s: what the answer says of the absolute end wins.
    const slow = view({ ...session(at, at + 9000), seenAt: at + 9000 }, at + 9500);
    assert.equal(slow.sessionExpiresIn, 5);
    assert.equal(slow.idleExpiresIn, 5);
    assert.equal(view(session(at, at), at + 10_000).idleExpiresIn, 0);
    assert.equal(view(session(at, at), at + 60_000).idleExpiresIn, 0);
  });
});

describe('readPrompt', () => {
  it('takes nothing, or exactly prompt=none', () => {
    assert.deepEqual(readPrompt({}), { prompt: undefined });
    assert.deepEqual(readPrompt({ prompt: 'none' }), { prompt: 'none' });
  });

  it('refuses any other value, and the parameter sent twice', () => {
    for (const value of ['', 'login', 'consent', 'None', 'none ', 'none login'])
      assert.equal(
        (readPrompt({ prompt: value }) as { refused: { problem: string } }).refused.problem,
        'unsupported',
        value,
      );
    assert.equal(
      (readPrompt({ prompt: ['none', 'none'] }) as { refused: { problem: string } }).refused
        .problem,
      'repeated',
    );
    const long = readPrompt({ prompt: `${'x'.repeat(100)}\u0001` }) as {
      refused: { preview: string; length: number };
    };
    assert.equal(long.refused.preview, 'x'.repeat(32));
    assert.equal(long.refused.length, 101);
  });
});

for (const kind of STORES) {
  describe(`a 5 s idle timeout (${kind}, real time)`, () => {
    let bff: RunningBff;
    before(async () => {
      bff = await startWith(kind, { SESSION_IDLE_TIMEOUT: '5', SESSION_ABSOLUTE_LIFETIME: '60' });
    });
    after(async () => {
      await bff.close();
    });

    it('ends a session unused for longer than 5 s; one used every 2 s lives past 10 s', async () => {
      assert.equal(bff.config.sessionIdleTimeoutMs, 5000);
      const unused = await signedIn();
      const used = await signedIn();
      const start = Date.now();
      for (let round = 1; round <= 6; round += 1) {
        // On the clock, not after the previous round: rounds never drift apart.
        await delay(Math.max(0, start + round * 2000 - Date.now()));
        const answer = await used.call('/api/me');
        assert.equal(answer.status, 200, `round ${round}`);
        near(idleHeader(answer), 5);
        if (round === 3) {
          // Over 6 s since its sign-in, nothing in between.
          assert.deepEqual(await sessionOf(unused), { user: null });
          const refused = await unused.call('/api/me');
          assert.equal(refused.status, 401);
          assert.equal(((await refused.json()) as { error: string }).error, 'no_session');
          assert.equal(idleHeader(refused), null);
        }
      }
      assert.ok(Date.now() - start >= 12_000);
      const view = await sessionOf(used);
      assert.equal(view.user?.['sub'], 'alice', 'still signed in after two idle timeouts');
      assert.equal(view.idleTimeout, 5);
      near(view.idleExpiresIn, 5);
    });
  });

  describe(`"Stay signed in" with a 10 s idle timeout (${kind})`, () => {
    let bff: RunningBff;
    before(async () => {
      bff = await startWith(kind, {
        SESSION_IDLE_TIMEOUT: '10',
        SESSION_ABSOLUTE_LIFETIME: '3600',
      });
    });
    after(async () => {
      await bff.close();
    });

    it('a /bff/session at 9 s keeps the session to 19 s and answers idleExpiresIn 10', async () => {
      const browser = await signedIn();
      const id = sessionId(browser)!;
      const signedInAt = await lastSeenAt(bff, id);
      bff.advance(9000);
      const view = await sessionOf(browser);
      assert.equal(view.user?.['sub'], 'alice');
      assert.equal(view.idleExpiresIn, 10);
      assert.equal(view.idleTimeout, 10);
      const touched = await lastSeenAt(bff, id);
      assert.ok(touched >= signedInAt + 9000, 'the store holds the touch');
      if (kind === 'Redis store') {
        // Redis keeps the session exactly that long (milliseconds: PEXPIREAT), on its own clock;
        // the BFF's clock was moved, so its expiry is checked where it is set.
        const raw = createClient({ url: redis.url });
        await raw.connect();
        try {
          const key = redisKeys('bff:').session(id);
          assert.equal(await raw.sendCommand(['PEXPIRETIME', key]), touched + 10_000);
        } finally {
          raw.destroy();
        }
        return;
      }
      bff.advance(9000);
      assert.equal((await bff.store.getSession(id)).state, 'active', 'alive at 18 s');
      bff.advance(1500);
      assert.equal((await bff.store.getSession(id)).state, 'unknown', 'over at 19.5 s');
      assert.deepEqual(await sessionOf(browser), { user: null });
    });
  });

  describe(`the deadlines in the answers, and prompt=none (${kind})`, () => {
    let bff: RunningBff;
    before(async () => {
      bff = await startWith(kind);
    });
    after(async () => {
      await bff.close();
    });

    it('/bff/session and /bff/refresh answer idleExpiresIn and idleTimeout', async () => {
      const browser = await signedIn();
      const first = await sessionOf(browser);
      assert.equal(first.idleTimeout, 1800);
      near(first.idleExpiresIn, 1800);
      assert.ok(first.sessionExpiresIn! >= 86_399);
      // Past the touch throttle (a minute at 30 min): the refresh touches the session.
      bff.advance(120_000);
      const refreshed = await browser.call('/bff/refresh', {
        method: 'POST',
        body: JSON.stringify({ version: 1 }),
      });
      assert.equal(refreshed.status, 200);
      const body = (await refreshed.json()) as View;
      assert.equal(body.refreshed, true);
      assert.equal(body.version, 2);
      assert.equal(body.idleTimeout, 1800);
      assert.equal(body.idleExpiresIn, 1800);
      assert.ok(body.sessionExpiresIn! <= 86_280);
    });

    it('puts X-BFF-Idle-Expires-In on every proxied answer with a session, never without', async () => {
      const browser = await signedIn();
      const id = sessionId(browser)!;
      const me = await browser.call('/api/me');
      assert.equal(me.status, 200);
      near(idleHeader(me), 1800);
      // API calls keep the session alive: past the throttle, the call touches it.
      const signedInAt = await lastSeenAt(bff, id);
      bff.advance(120_000);
      const later = await browser.call('/api/me');
      near(idleHeader(later), 1800);
      assert.ok((await lastSeenAt(bff, id)) >= signedInAt + 120_000);
      // The API's own refusals and errors are answers with a session too.
      const stepUp = await browser.call('/api/payments');
      assert.equal(stepUp.status, 401);
      assert.equal(stepUp.headers.get('x-bff-source'), 'api');
      assert.ok(idleHeader(stepUp));
      const missing = await browser.call('/api/no-such-thing');
      assert.equal(missing.headers.get('x-bff-source'), 'api');
      assert.ok(idleHeader(missing));

      const anonymous = await new Browser(stack.origin).call('/api/me');
      assert.equal(anonymous.status, 401);
      assert.equal(idleHeader(anonymous), null);
      const noCsrf = await browser.fetch('/api/me');
      assert.equal(noCsrf.status, 403);
      assert.equal(idleHeader(noCsrf), null);
      await bff.store.endSession(id, 'signed_out');
      const ended = await browser.call('/api/me');
      assert.equal(ended.status, 401);
      assert.equal(((await ended.json()) as { error: string }).error, 'session_ended');
      assert.equal(idleHeader(ended), null);

      // A session that ends during the call (its refresh token refused): no header either.
      const other = await signedIn();
      const otherId = sessionId(other)!;
      const lookup = await bff.store.getSession(otherId);
      assert.ok(lookup.state === 'active');
      const { revision, ...tokens } = lookup.session.tokens;
      await bff.store.writeTokens(otherId, revision, {
        ...tokens,
        accessTokenExpiresAt: tokens.receivedAt,
        refreshToken: 'not-a-refresh-token',
      });
      const refused = await other.call('/api/me');
      assert.equal(refused.status, 401);
      assert.deepEqual(await refused.json(), {
        error: 'session_ended',
        reason: 'refresh_rejected',
        message: 'session ended (refresh_rejected): sign in again',
      });
      assert.equal(idleHeader(refused), null);
    });

    it('/bff/session counts as activity once a second has passed; other requests keep the throttle', async () => {
      const browser = await signedIn();
      const id = sessionId(browser)!;
      const signedInAt = await lastSeenAt(bff, id);
      // 30 s: under the throttle (a minute), so an API call leaves the touch where it was.
      bff.advance(30_000);
      const me = await browser.call('/api/me');
      near(idleHeader(me), 1770);
      assert.equal(await lastSeenAt(bff, id), signedInAt, 'not touched by the API call');
      // The app's "Stay signed in": the whole idle timeout again.
      const stay = await sessionOf(browser);
      assert.equal(stay.idleExpiresIn, 1800);
      const touched = await lastSeenAt(bff, id);
      assert.ok(touched >= signedInAt + 30_000);
      const after = await browser.call('/api/me');
      near(idleHeader(after), 1800);
      // Within the second: not touched again.
      await sessionOf(browser);
      assert.equal(await lastSeenAt(bff, id), touched);
      bff.advance(1000);
      assert.equal((await sessionOf(browser)).idleExpiresIn, 1800);
      const again = await lastSeenAt(bff, id);
      assert.ok(again >= touched + 1000);
      // A refresh call is no activity of the user's: the throttle holds.
      bff.advance(5000);
      const refresh = await browser.call('/bff/refresh', {
        method: 'POST',
        body: JSON.stringify({ version: 0 }),
      });
      const body = (await refresh.json()) as View;
      assert.equal(body.refreshed, false);
      near(body.idleExpiresIn, 1795);
      assert.equal(await lastSeenAt(bff, id), again);
    });

    it('prompt=none signs in without any page while the provider session lives', async () => {
      const browser = await signedIn();
      const previous = sessionId(browser)!;
      const before = counts();
      const started = await browser.loginWith({ returnUrl: '/reports?x=1', prompt: 'none' });
      assert.equal(started.status, 303);
      const providerUrl = new URL(started.headers.get('location')!);
      assert.equal(providerUrl.origin, new URL(stack.idp.issuer).origin);
      assert.equal(providerUrl.searchParams.get('prompt'), 'none');
      const back = await followToBff(browser, providerUrl);
      assert.equal(back.url.pathname, '/bff/callback');
      assert.ok(back.url.searchParams.has('code'), back.url.href);
      assert.deepEqual(
        back.visited.filter((url) => url.includes('/interaction/')),
        [],
        'no page of the provider',
      );
      const answer = await browser.fetch(back.url);
      assert.equal(answer.status, 303);
      assert.equal(answer.headers.get('location'), '/reports?x=1');
      // An ordinary sign-in: a new session, the previous one replaced.
      const current = sessionId(browser)!;
      assert.notEqual(current, previous);
      assert.deepEqual(await bff.store.getSession(previous), {
        state: 'ended',
        reason: 'replaced',
      });
      assert.equal((await sessionOf(browser)).user?.['sub'], 'alice');
      assert.deepEqual(since(before), { codes: 1, authorizations: 1 });
    });

    it('prompt=none without a provider session goes on to the interactive sign-in, once', async () => {
      const browser = await signedIn();
      forgetProviderSession(browser);
      const before = counts();
      const started = await browser.loginWith({ returnUrl: '/reports', prompt: 'none' });
      const silent = new URL(started.headers.get('location')!);
      assert.equal(silent.searchParams.get('prompt'), 'none');
      const refused = await followToBff(browser, silent);
      assert.equal(refused.url.pathname, '/bff/callback');
      assert.equal(refused.url.searchParams.get('error'), 'login_required');
      const onward = await browser.fetch(refused.url);
      assert.equal(onward.status, 303);
      assert.equal(onward.headers.get('location'), '/bff/login?returnUrl=%2Freports');
      const restarted = await browser.fetch(onward.headers.get('location')!);
      assert.equal(restarted.status, 303);
      const interactive = new URL(restarted.headers.get('location')!);
      assert.equal(interactive.origin, new URL(stack.idp.issuer).origin);
      assert.equal(interactive.searchParams.has('prompt'), false, 'never silent again');
      const page = await followToBff(browser, interactive);
      assert.equal(page.response.status, 200);
      assert.match(page.url.pathname, /^\/interaction\//, 'the provider shows its login form');
      assert.deepEqual(since(before), { codes: 0, authorizations: 2 });
      // The user signs in there, and lands where the app asked.
      const callback = await submitLoginForm(browser, page);
      const landed = await browser.fetch(callback);
      assert.equal(landed.status, 303);
      assert.equal(landed.headers.get('location'), '/reports');
      assert.equal((await sessionOf(browser)).user?.['sub'], 'alice');
    });

    it("keeps a step-up's acr_values and max_age on the way to the interactive sign-in", async () => {
      const browser = new Browser(stack.origin);
      const started = await browser.loginWith({
        returnUrl: '/payments',
        prompt: 'none',
        acr_values: 'urn:demo:otp',
        max_age: '300',
      });
      const silent = new URL(started.headers.get('location')!);
      assert.equal(silent.searchParams.get('prompt'), 'none');
      assert.equal(silent.searchParams.get('acr_values'), 'urn:demo:otp');
      const refused = await followToBff(browser, silent);
      assert.equal(refused.url.searchParams.get('error'), 'login_required');
      const onward = await browser.fetch(refused.url);
      const next = new URL(onward.headers.get('location')!, stack.origin);
      assert.equal(next.pathname, '/bff/login');
      assert.deepEqual(Object.fromEntries(next.searchParams), {
        returnUrl: '/payments',
        acr_values: 'urn:demo:otp',
        max_age: '300',
      });
      const interactive = new URL(
        (await browser.fetch(next)).headers.get('location')!,
        stack.origin,
      );
      assert.equal(interactive.searchParams.get('acr_values'), 'urn:demo:otp');
      assert.equal(interactive.searchParams.get('max_age'), '300');
      assert.equal(interactive.searchParams.has('prompt'), false);
    });

    it('handles every other callback error as before', async () => {
      const issuer = stack.idp.issuer;
      /** Starts a sign-in, then comes back with `error` instead of going to the provider. */
      async function comeBackWith(
        error: string,
        parameters: Record<string, string>,
        from = new Browser(stack.origin),
        to = from,
      ) {
        const started = await from.loginWith({ returnUrl: '/reports', ...parameters });
        const state = new URL(started.headers.get('location')!).searchParams.get('state')!;
        const answer = await to.fetch(
          `/bff/callback?${new URLSearchParams({ error, state, iss: issuer })}`,
        );
        assert.equal(answer.status, 303);
        return answer.headers.get('location');
      }
      // A silent sign-in refused for another reason: the login page, as any failure.
      assert.equal(
        await comeBackWith('access_denied', { prompt: 'none' }),
        '/login?returnUrl=%2Freports&error=provider_error&detail=access_denied',
      );
      // login_required for a sign-in that was not silent: the provider's error, no new attempt.
      assert.equal(
        await comeBackWith('login_required', {}),
        '/login?returnUrl=%2Freports&error=provider_error&detail=login_required',
      );
      // Another browser's silent sign-in: not ours to continue.
      assert.equal(
        await comeBackWith(
          'login_required',
          { prompt: 'none' },
          new Browser(stack.origin),
          new Browser(stack.origin),
        ),
        '/login?returnUrl=%2F&error=state_mismatch',
      );
    });

    it('refuses any other prompt with invalid_prompt; nothing reaches the provider', async () => {
      const refused: Array<string | string[]> = [
        'login',
        'consent',
        'select_account',
        '',
        'None',
        'none login',
        ['none', 'none'],
        'x'.repeat(100),
      ];
      const before = counts();
      const warnings = () =>
        bff
          .log()
          .split('\n')
          .filter((line) => line.includes('"msg":"sign-in not started: invalid prompt parameter"'));
      const warned = warnings().length;
      for (const prompt of refused) {
        const browser = new Browser(stack.origin);
        const answer = await browser.loginWith({ returnUrl: '/reports?x=1', prompt });
        const what = JSON.stringify(prompt);
        assert.equal(answer.status, 303, what);
        const landed = new URL(answer.headers.get('location')!, stack.origin);
        assert.equal(landed.pathname, '/login', what);
        assert.deepEqual(
          Object.fromEntries(landed.searchParams),
          { returnUrl: '/reports?x=1', error: 'invalid_prompt' },
          what,
        );
        assert.deepEqual([...browser.cookies.keys()], [], `no sign-in started: ${what}`);
      }
      assert.deepEqual(since(before), { codes: 0, authorizations: 0 });
      assert.equal(warnings().length - warned, refused.length);
      assert.doesNotMatch(bff.log(), /x{33}/, 'a long value is never logged whole');
    });
  });
}
