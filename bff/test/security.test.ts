/**
 * The BFF's defences: CSRF from other sites and other ports, forged and expired cookies, session
 * fixation, hostile return paths, cookie flags, body limits, the proxy's allowlist, security
 * headers, and no token in any log line or response the browser gets.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';

import { readConfig } from '../config.ts';
import { safeReturnPath } from '../return-path.ts';
import { securityHeaders } from '../security-headers.ts';
import { cookieNames, cookieOptions } from '../cookies.ts';
import { Browser } from './helpers/browser.ts';
import { startBff, startStack, type RunningBff, type Stack } from './helpers/stack.ts';

let stack: Stack;
let bff: RunningBff;

before(async () => {
  stack = await startStack();
  bff = await startBff(stack, { env: { SESSION_IDLE_TIMEOUT: '600' } });
});
after(async () => {
  await bff.close();
  await stack.close();
});

async function signedIn(): Promise<Browser> {
  const browser = new Browser(stack.origin);
  await browser.signIn();
  return browser;
}

/** Sends a request with an exact request target (fetch would normalise it). */
function rawRequest(
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: 'localhost', port: stack.bffPort, path, headers }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('CSRF', () => {
  const attempts: Array<[string, Record<string, string>]> = [
    [
      'another site (127.0.0.1 is not localhost)',
      { 'x-bff-csrf': '1', 'sec-fetch-site': 'cross-site', origin: 'http://127.0.0.1:8080' },
    ],
    [
      'the same site on another port',
      { 'x-bff-csrf': '1', 'sec-fetch-site': 'same-site', origin: 'http://localhost:1' },
    ],
    [
      'a browser without Fetch Metadata from another origin',
      { 'x-bff-csrf': '1', origin: 'http://localhost:1' },
    ],
    ['a non-browser client without the CSRF header', {}],
  ];
  for (const [who, headers] of attempts) {
    it(`refuses ${who} with 403 and changes nothing`, async () => {
      const browser = await signedIn();
      const refreshes = stack.idp.stats.snapshot().grants['refresh_token'] ?? 0;
      for (const [method, path, body] of [
        ['POST', '/bff/refresh', '{"version":1}'],
        ['POST', '/bff/logout', undefined],
        ['GET', '/api/me', undefined],
        ['GET', '/bff/session', undefined],
      ] as const) {
        const response = await browser.fetch(path, {
          method,
          headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) },
          ...(body ? { body } : {}),
        });
        assert.equal(response.status, 403, `${method} ${path}`);
        assert.equal(((await response.json()) as { error: string }).error, 'csrf_rejected');
      }
      assert.equal(stack.idp.stats.snapshot().grants['refresh_token'] ?? 0, refreshes);
      const session = await browser.call('/bff/session');
      assert.equal(
        ((await session.json()) as { version: number }).version,
        1,
        'still signed in, same version',
      );
    });
  }
});

describe('session cookie', () => {
  it('is HttpOnly, SameSite=Lax, Path=/ and not Secure on loopback', async () => {
    const browser = await signedIn();
    const raw = browser.cookie('bff_session')!.raw;
    assert.match(raw, /^bff_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax$/);
  });

  it('is __Host- prefixed and Secure off loopback', () => {
    const config = { loopback: false };
    assert.equal(cookieNames(config).session, '__Host-bff_session');
    assert.deepEqual(cookieOptions(config), {
      httpOnly: true,
      sameSite: 'lax',
      path: '/',
      secure: true,
    });
  });

  it('gets a new id at every sign-in and the old session ends', async () => {
    const browser = await signedIn();
    const first = browser.cookie('bff_session')!.value;
    await browser.signIn();
    const second = browser.cookie('bff_session')!.value;
    assert.notEqual(first, second);
    assert.equal((await bff.store.getSession(first)).state, 'ended');
  });

  it('a forged cookie gets 401 no_session, and a clean sign-in replaces it', async () => {
    const browser = new Browser(stack.origin);
    browser.cookies.set('bff_session;/', {
      name: 'bff_session',
      value: 'A'.repeat(43),
      path: '/',
      raw: '',
    });
    const response = await browser.call('/api/me');
    assert.equal(response.status, 401);
    assert.equal(((await response.json()) as { error: string }).error, 'no_session');
    // Kept: an id of our form may name a session that just ended (session-http.ts says why).
    assert.equal(browser.cookie('bff_session')?.value, 'A'.repeat(43));
    await browser.signIn();
    assert.notEqual(browser.cookie('bff_session')?.value, 'A'.repeat(43));
    assert.equal((await browser.call('/api/me')).status, 200);
  });

  it('an idle session expires: signed out (no user)', async () => {
    const browser = await signedIn();
    bff.advance(601_000);
    try {
      const response = await browser.call('/bff/session');
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), { user: null });
    } finally {
      bff.advance(-601_000);
    }
  });
});

describe('returnUrl', () => {
  it('keeps hostile return paths in the app', async () => {
    for (const hostile of [
      'https://evil.test/',
      '//evil.test',
      '/\\evil.test',
      'javascript:alert(1)',
      '/%2F%2Fevil.test',
      '%2F%2Fevil.test',
      '/%5Cevil.test',
      '/%252F%252Fevil.test',
    ]) {
      assert.equal(safeReturnPath(hostile), '/', hostile);
    }
    assert.equal(safeReturnPath('/orders/7?x=1#top'), '/orders/7?x=1#top');
    const landed = await new Browser(stack.origin).signIn({ returnUrl: '//evil.test/x' });
    assert.equal(landed.href, `${stack.origin}/`);
  });
});

describe('body limits', () => {
  it("refuses a body over the limit with 413 on the BFF's own routes", async () => {
    const browser = await signedIn();
    const body = JSON.stringify({ version: 1, padding: 'x'.repeat(20_000) });
    const response = await browser.call('/bff/refresh', { method: 'POST', body });
    assert.equal(response.status, 413);
    assert.equal(((await response.json()) as { error: string }).error, 'payload_too_large');
  });

  it('refuses a body over the limit with 413 on proxied routes', async () => {
    const browser = await signedIn();
    const requests = stack.api.stats.snapshot().requests;
    const response = await browser.call('/api/me', { method: 'POST', body: 'x'.repeat(1_100_000) });
    assert.equal(response.status, 413);
    assert.equal(((await response.json()) as { error: string }).error, 'payload_too_large');
    assert.equal(stack.api.stats.snapshot().requests, requests, 'nothing reached the API');
  });
});

describe('the proxy allowlist', () => {
  it('refuses paths that could leave the upstream path', async () => {
    const browser = await signedIn();
    const cookie = `bff_session=${browser.cookie('bff_session')!.value}`;
    const headers = { cookie, 'x-bff-csrf': '1' };
    for (const path of [
      '/api/../admin',
      '/api/%2e%2e/admin',
      '/api/a%2Fb',
      '/api//me',
      '/api/a\\b',
      '/api/%252e%252e/x',
      '/api/./me',
    ]) {
      const { status, body } = await rawRequest(path, headers);
      assert.equal(status, 404, path);
      assert.equal((JSON.parse(body) as { error: string }).error, 'forbidden_target', path);
    }
    assert.equal(
      (await rawRequest('http://evil.test/api/me', headers)).status,
      404,
      'absolute-form target',
    );
    assert.equal((await rawRequest('/api/me?x=1', headers)).status, 200);
  });

  it('refuses methods outside the allowlist with 405', async () => {
    const browser = await signedIn();
    const response = await browser.call('/api/me', { method: 'OPTIONS' });
    assert.equal(response.status, 405);
    assert.equal(((await response.json()) as { error: string }).error, 'method_not_allowed');
  });

  it('reads BFF_API_METHODS', () => {
    const config = readConfig(stack.env({ BFF_API_METHODS: 'get' }));
    assert.deepEqual([...config.api.methods], ['GET']);
  });
});

describe('headers and the app', () => {
  it("sends the app's CSP and strict security headers", async () => {
    for (const path of ['/', '/dashboard', '/bff/health']) {
      const response = await fetch(`${stack.origin}${path}`);
      const csp = response.headers.get('content-security-policy') ?? '';
      assert.match(csp, /connect-src 'self'/, path);
      assert.match(csp, /frame-ancestors 'none'/, path);
      assert.match(csp, /object-src 'none'/, path);
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(response.headers.get('referrer-policy'), 'no-referrer');
      assert.equal(response.headers.get('x-frame-options'), 'SAMEORIGIN');
    }
  });

  it('sends the same security headers on every kind of answer: page, asset 404, BFF JSON, error, proxied API', async () => {
    const expected = {
      'content-security-policy':
        "connect-src 'self';style-src 'self' 'unsafe-inline';img-src 'self' data:;font-src 'self';" +
        "object-src 'none';base-uri 'self';form-action 'self';frame-ancestors 'none'",
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-resource-policy': 'same-origin',
      'origin-agent-cluster': '?1',
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
      'x-dns-prefetch-control': 'off',
      'x-download-options': 'noopen',
      'x-frame-options': 'SAMEORIGIN',
      'x-permitted-cross-domain-policies': 'none',
      'x-xss-protection': '0',
    };
    const browser = new Browser(stack.origin);
    await browser.signIn();
    const answers = {
      page: await fetch(`${stack.origin}/dashboard`),
      'missing asset': await fetch(`${stack.origin}/missing.js`),
      'BFF JSON': await fetch(`${stack.origin}/bff/health`),
      error: await fetch(`${stack.origin}/bff/refresh`, { method: 'POST' }),
      'proxied API': await browser.call('/api/me'),
    };
    for (const [what, response] of Object.entries(answers)) {
      const sent = Object.fromEntries(
        Object.keys(expected).map((name) => [name, response.headers.get(name)]),
      );
      assert.deepEqual(sent, expected, what);
      // Loopback: no HSTS, which would pin http://localhost to https in the browser.
      assert.equal(response.headers.get('strict-transport-security'), null, what);
    }
  });

  it('adds HSTS off loopback', () => {
    assert.equal(
      securityHeaders({ loopback: false })['strict-transport-security'],
      'max-age=31536000; includeSubDomains',
    );
  });

  it('serves app routes as index.html (no-cache) and 404s missing assets', async () => {
    const page = await fetch(`${stack.origin}/dashboard`);
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('cache-control'), 'no-cache');
    assert.match(await page.text(), /<app-root>/);
    assert.equal((await fetch(`${stack.origin}/main.js`)).status, 200);
    assert.equal((await fetch(`${stack.origin}/missing.js`)).status, 404);
  });

  it("reports the store's reachability at /bff/health and nothing else", async () => {
    const response = await fetch(`${stack.origin}/bff/health`);
    assert.deepEqual(await response.json(), { status: 'ok', store: 'up' });
  });
});

describe('tokens', () => {
  it('never appear in a log line or in anything the browser receives but the end-session URL', async () => {
    const browser = new Browser(stack.origin);
    const received: string[] = [];
    const seen = async (response: Response) => {
      received.push(JSON.stringify([...response.headers]), await response.clone().text());
      return response;
    };
    await browser.signIn();
    const id = browser.cookie('bff_session')!.value;
    const tokens = new Set<string>();
    const collect = async () => {
      const lookup = await bff.store.getSession(id);
      if (lookup.state !== 'active') return;
      const { accessToken, refreshToken, idToken } = lookup.session.tokens;
      for (const token of [accessToken, refreshToken, idToken]) if (token) tokens.add(token);
    };
    await collect();
    await seen(await browser.call('/bff/session'));
    await seen(await browser.call('/api/me'));
    await seen(await browser.call('/bff/refresh', { method: 'POST', body: '{"version":1}' }));
    await collect();
    bff.advance(59_000);
    await seen(await browser.call('/api/me'));
    bff.advance(-59_000);
    await collect();
    const logout = await seen(await browser.call('/bff/logout', { method: 'POST' }));
    assert.equal(logout.status, 200);
    assert.ok(tokens.size >= 6, 'three token sets');
    const log = bff.log();
    assert.ok(log.length > 0);
    const endSessionUrl = ((await logout.json()) as { endSessionUrl: string }).endSessionUrl;
    for (const token of tokens) {
      assert.ok(!log.includes(token), 'a token in the log');
      const leaks = received.filter((text) => text.includes(token));
      // The only exception: the ID token as id_token_hint in the end-session URL.
      assert.ok(
        leaks.every((text) => text.includes(endSessionUrl)),
        'a token in a response',
      );
    }
  });
});

describe('the access log', () => {
  it('writes one line per request: method, path, caller, status and time', async () => {
    const browser = new Browser(stack.origin);
    await browser.signIn();
    const before = bff.log().length;
    await browser.call('/api/me');
    const lines = bff
      .log()
      .slice(before)
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(
      lines.map((line) => line['msg']),
      ['request completed'],
    );
    const [line] = lines;
    assert.deepEqual(line!['req'], {
      method: 'GET',
      url: '/api/me',
      remoteAddress: (line!['req'] as { remoteAddress: string }).remoteAddress,
    });
    assert.deepEqual(line!['res'], { statusCode: 200 });
    assert.equal(typeof line!['responseTime'], 'number');
  });
});
