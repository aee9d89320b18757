/**
 * Pages rendered with the session of the request: the BFF finds the session from the page's
 * cookie as its own endpoints do, hands the render what `/bff/session` would say (never a token)
 * and a `fetch` that sends the page's API calls in process through the proxy path, with its
 * refresh, single flight and rules. The server build here is a stand-in that reports what it was
 * given and makes the calls a page would; the e2e suite renders the real app.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';

import { StoreUnavailableError } from '../errors.ts';
import { MemorySessionStore } from '../session-store/memory.ts';
import type { SessionStore } from '../session-store/types.ts';
import { Browser } from './helpers/browser.ts';
import { startBff, startStack, type RunningBff, type Stack } from './helpers/stack.ts';

/**
 * The render of `/<path>?calls=N&probe=URL`: what it was given, and the answers of N concurrent
 * `GET /api/me` through its fetch (and of one fetch of `probe`); a guarded `/dashboard` without
 * a session is a redirect, as the session layer's guard makes it.
 */
const SESSION_ENTRY = `
export async function renderPage(request, { auth }) {
  const url = new URL(request.url);
  if (url.pathname === '/dashboard' && auth.session === null) {
    return new Response(null, { status: 302, headers: { location: '/login?returnUrl=%2Fdashboard' } });
  }
  const call = async (target) => {
    try {
      const answer = await auth.fetch(new Request(target));
      return {
        status: answer.status,
        body: await answer.text(),
        setCookie: answer.headers.get('set-cookie'),
        source: answer.headers.get('x-bff-source'),
      };
    } catch (error) {
      return { error: error.name };
    }
  };
  const calls = Number(url.searchParams.get('calls') ?? 0);
  const answers = await Promise.all(Array.from({ length: calls }, () => call(url.origin + '/api/me')));
  const probe = url.searchParams.get('probe');
  const report = {
    session: 'session' in auth ? auth.session : 'unknown',
    hasFetch: typeof auth.fetch === 'function',
    answers,
    probe: probe === null ? null : await call(probe),
  };
  return new Response(JSON.stringify(report), {
    status: 200,
    headers: { 'content-type': 'text/html;charset=UTF-8', 'cache-control': 'public, max-age=600' },
  });
}
`;

interface Answer {
  readonly status?: number;
  readonly body?: string;
  readonly setCookie?: string | null;
  readonly source?: string | null;
  readonly error?: string;
}

interface Report {
  readonly session: { user: { sub: string; name?: string }; version: number } | null | 'unknown';
  readonly hasFetch: boolean;
  readonly answers: Answer[];
  readonly probe: Answer | null;
}

/** A store that can be made unreachable. */
class FlakyStore {
  down = false;
  constructor(readonly store: SessionStore) {}
  asStore(): SessionStore {
    return new Proxy(this.store, {
      get: (target, property, receiver) => {
        const value = Reflect.get(target, property, receiver) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (this.down && property !== 'close') throw new StoreUnavailableError();
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  }
}

let stack: Stack;
let bff: RunningBff;
let store: FlakyStore;

before(async () => {
  stack = await startStack({ accessTokenTtl: 60 });
  const root = mkdtempSync(join(tmpdir(), 'bff-page-session-'));
  mkdirSync(join(root, 'browser'));
  mkdirSync(join(root, 'server'));
  writeFileSync(join(root, 'browser', 'main.js'), '');
  writeFileSync(join(root, 'server', 'server.mjs'), SESSION_ENTRY);
  store = new FlakyStore(
    new MemorySessionStore({
      idleTimeoutMs: 3_600_000,
      absoluteLifetimeMs: 86_400_000,
      loginLimits: { perClient: 1000, total: 10_000 },
      maxSessions: 10_000,
    }),
  );
  bff = await startBff(stack, {
    env: { BFF_STATIC_DIR: join(root, 'browser') },
    store: store.asStore(),
  });
});
after(async () => {
  await bff.close();
  await stack.close();
});
beforeEach(() => {
  store.down = false;
});

const refreshes = () => stack.idp.stats.snapshot().grants['refresh_token'] ?? 0;

async function render(
  browser: Browser,
  path: string,
): Promise<{ response: Response; report: Report }> {
  const response = await browser.fetch(path);
  const report = (response.status === 200 ? await response.json() : null) as Report;
  return { response, report };
}

async function signedIn(username = 'alice', password = 'wonderland'): Promise<Browser> {
  const browser = new Browser(stack.origin);
  await browser.signIn({ username, password });
  return browser;
}

describe('a page rendered with the session of its request', () => {
  it('gets the session as /bff/session says it, and a fetch; never a token', async () => {
    const browser = await signedIn();
    const { response, report } = await render(browser, '/');
    const view = (await (await browser.call('/bff/session')).json()) as {
      user: unknown;
      version: number;
    };
    assert.equal(response.status, 200);
    assert.ok(report.session !== null && report.session !== 'unknown');
    assert.deepEqual(report.session.user, view.user);
    assert.equal(report.session.version, view.version);
    assert.equal(report.hasFetch, true);
    const [id] = await bff.store.sessionsBySub('alice');
    const lookup = await bff.store.getSession(id!);
    assert.equal(lookup.state, 'active');
    const { accessToken, refreshToken, idToken } =
      lookup.state === 'active' ? lookup.session.tokens : {};
    for (const token of [accessToken, refreshToken, idToken]) {
      assert.ok(token && !JSON.stringify(report).includes(token));
    }
    // Whatever the render said about caching: the page is this cookie's alone.
    assert.equal(response.headers.get('cache-control'), 'private, no-store');
    assert.match(response.headers.get('vary') ?? '', /\bCookie\b/);
  });

  it("sends the page's API calls through the proxy with the session's token, as the browser's would be", async () => {
    const browser = await signedIn();
    const { report } = await render(browser, '/?calls=2');
    assert.equal(report.answers.length, 2);
    for (const answer of report.answers) {
      assert.equal(answer.status, 200);
      assert.equal(answer.source, 'api');
      assert.equal(answer.setCookie, null);
      assert.equal((JSON.parse(answer.body!) as { sub: string }).sub, 'alice');
    }
    // The render's fetch reaches the BFF's API and nothing else: not its own routes, not elsewhere.
    for (const probe of [
      `${stack.origin}/bff/session`,
      `${stack.api.url}/api/me`,
      `${stack.origin}/`,
    ]) {
      const { report: probed } = await render(browser, `/?probe=${encodeURIComponent(probe)}`);
      assert.deepEqual(probed.probe, { error: 'TypeError' }, probe);
    }
  });

  it('an access token expired at render time costs one refresh, shared by the render and the browser', async () => {
    const browser = await signedIn();
    bff.advance(61_000);
    const before = refreshes();
    const [{ report }, ...browserCalls] = await Promise.all([
      render(browser, '/?calls=6'),
      ...Array.from({ length: 6 }, () => browser.call('/api/me')),
    ]);
    assert.deepEqual(
      report.answers.map((answer) => answer.status),
      Array(6).fill(200),
    );
    assert.deepEqual(
      browserCalls.map((response) => response.status),
      Array(6).fill(200),
    );
    assert.equal(refreshes() - before, 1);
  });

  it('signed out is a known state: no cookie, an id never issued, or an ended session', async () => {
    const anonymous = new Browser(stack.origin);
    assert.deepEqual((await render(anonymous, '/')).report.session, null);
    const forged = new Browser(stack.origin);
    forged.cookies.set('bff_session;/', {
      name: 'bff_session',
      value: 'A'.repeat(43),
      path: '/',
      raw: '',
    });
    assert.deepEqual((await render(forged, '/')).report.session, null);
    const ended = await signedIn();
    await ended.call('/bff/logout', { method: 'POST' });
    const guarded = await render(ended, '/dashboard');
    assert.equal(guarded.response.status, 302);
    assert.equal(guarded.response.headers.get('location'), '/login?returnUrl=%2Fdashboard');
    assert.equal(guarded.response.headers.get('cache-control'), 'private, no-store');
  });

  it('a sign-out the app recorded ends the session before the render: signed out, cookies cleared, token revoked', async () => {
    const browser = await signedIn();
    const revokedBefore = stack.idp.stats.snapshot().grantsRevoked;
    browser.cookies.set('bff_signout_pending;/', {
      name: 'bff_signout_pending',
      value: '1',
      path: '/',
      raw: '',
    });
    const { response } = await render(browser, '/dashboard');
    assert.equal(response.status, 302);
    assert.equal(browser.cookie('bff_session'), undefined);
    assert.equal(browser.cookie('bff_signout_pending'), undefined);
    assert.equal(stack.idp.stats.snapshot().grantsRevoked - revokedBefore, 1);
    assert.equal((await render(browser, '/')).report.session, null);
  });

  it('a store that cannot be reached leaves the session unknown, never signed out, and the cookie stays', async () => {
    const browser = await signedIn();
    store.down = true;
    const { response, report } = await render(browser, '/dashboard');
    assert.equal(response.status, 200);
    assert.equal(report.session, 'unknown');
    assert.equal(report.hasFetch, false);
    assert.ok(browser.cookie('bff_session'));
    store.down = false;
    assert.equal(
      ((await render(browser, '/')).report.session as { user: { sub: string } }).user.sub,
      'alice',
    );
  });

  it("a provider outage while the render refreshes: the page's calls get the proxy's 503, and the session stays", async () => {
    const browser = await signedIn();
    bff.advance(61_000);
    await fetch(`${stack.idp.issuer}/__dev/outage?down=1`, { method: 'POST' });
    try {
      const { response, report } = await render(browser, '/?calls=2');
      assert.equal(response.status, 200);
      assert.deepEqual(
        report.answers.map((answer) => answer.status),
        [503, 503],
      );
    } finally {
      await fetch(`${stack.idp.issuer}/__dev/outage?down=0`, { method: 'POST' });
    }
    const { report } = await render(browser, '/?calls=1');
    assert.equal((report.session as { user: { sub: string } }).user.sub, 'alice');
    assert.equal(report.answers[0]!.status, 200);
  });

  it("two users' renders interleaved never see each other's session or data", async () => {
    const alice = await signedIn('alice', 'wonderland');
    const bob = await signedIn('bob', 'builder');
    const order = Array.from({ length: 16 }, (_, i) => ((i * 7) % 3 === 0 ? alice : bob));
    const renders = await Promise.all(order.map((browser) => render(browser, '/?calls=3')));
    for (const [index, { report }] of renders.entries()) {
      const me = order[index] === alice ? 'alice' : 'bob';
      assert.equal((report.session as { user: { sub: string } }).user.sub, me, `render ${index}`);
      for (const answer of report.answers) {
        assert.equal((JSON.parse(answer.body!) as { sub: string }).sub, me, `render ${index}`);
      }
    }
  });
});
