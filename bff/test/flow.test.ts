/**
 * The BFF against the real dev provider and API: sign-in, the session endpoint, proxied calls,
 * refresh (single flight, version-checked, on expiry), sign-out, and the 401 paths.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';

import { freePort } from '../../dev-backend/shared/free-port.ts';
import { ProviderUnavailableError, RefreshOutcomeUnknownError } from '../errors.ts';
import { Browser } from './helpers/browser.ts';
import { startBff, startStack, type RunningBff, type Stack } from './helpers/stack.ts';

let stack: Stack;
let bff: RunningBff;

before(async () => {
  stack = await startStack({ accessTokenTtl: 60 });
  bff = await startBff(stack);
});
after(async () => {
  await bff.close();
  await stack.close();
});

function grants(kind: string): number {
  return stack.idp.stats.snapshot().grants[kind] ?? 0;
}

async function signedIn(): Promise<Browser> {
  const browser = new Browser(stack.origin);
  await browser.signIn();
  return browser;
}

describe('sign-in and the session endpoint', () => {
  it('signs in through the provider and lands on the return path with a session cookie', async () => {
    const browser = new Browser(stack.origin);
    const landed = await browser.signIn({ returnUrl: '/profile?tab=1' });
    assert.equal(landed.href, `${stack.origin}/profile?tab=1`);
    const session = await browser.call('/bff/session');
    assert.equal(session.status, 200);
    const body = (await session.json()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(body).sort(), [
      'accessTokenExpiresIn',
      'idleExpiresIn',
      'idleTimeout',
      'sessionExpiresIn',
      'user',
      'version',
    ]);
    assert.equal((body['user'] as Record<string, unknown>)['sub'], 'alice');
    assert.equal(body['version'], 1);
    assert.ok((body['accessTokenExpiresIn'] as number) > 50);
  });

  it('answers signed out as a normal state without a cookie: 200 {"user": null}, never a redirect', async () => {
    const response = await new Browser(stack.origin).call('/bff/session');
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-bff-source'), 'bff');
    assert.deepEqual(await response.json(), { user: null });
  });

  it('still answers 401 no_session to a refresh without a cookie', async () => {
    const response = await new Browser(stack.origin).call('/bff/refresh', {
      method: 'POST',
      body: JSON.stringify({ version: 1 }),
    });
    assert.equal(response.status, 401);
    assert.deepEqual(await response.json(), {
      error: 'no_session',
      message: 'no session: sign in',
    });
  });
});

describe('the API proxy', () => {
  it("attaches the access token on the server and marks the answer as the API's", async () => {
    const browser = await signedIn();
    const response = await browser.call('/api/me');
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-bff-source'), 'api');
    assert.equal(response.headers.get('x-bff-session-version'), '1');
    assert.equal(((await response.json()) as { sub: string }).sub, 'alice');
  });

  it('refreshes once before forwarding when the access token is about to expire', async () => {
    const browser = await signedIn();
    const before = grants('refresh_token');
    bff.advance(59_000);
    try {
      const answers = await Promise.all(Array.from({ length: 10 }, () => browser.call('/api/me')));
      assert.deepEqual(
        answers.map((r) => r.status),
        Array(10).fill(200),
      );
      assert.deepEqual(
        answers.map((r) => r.headers.get('x-bff-session-version')),
        Array(10).fill('2'),
      );
    } finally {
      bff.advance(-59_000);
    }
    assert.equal(grants('refresh_token') - before, 1);
  });
});

describe('POST /bff/refresh', () => {
  it('shares one refresh among concurrent calls naming the same version', async () => {
    const browser = await signedIn();
    const before = grants('refresh_token');
    const answers = await Promise.all(
      Array.from({ length: 5 }, () =>
        browser.call('/bff/refresh', { method: 'POST', body: JSON.stringify({ version: 1 }) }),
      ),
    );
    const bodies = (await Promise.all(answers.map((r) => r.json()))) as Array<{ version: number }>;
    assert.deepEqual(
      bodies.map((b) => b.version),
      [2, 2, 2, 2, 2],
    );
    assert.equal(grants('refresh_token') - before, 1);
  });

  it('answers with the newer version and does not refresh when the app saw an older one', async () => {
    const browser = await signedIn();
    await browser.call('/bff/refresh', { method: 'POST', body: JSON.stringify({ version: 1 }) });
    const before = grants('refresh_token');
    const response = await browser.call('/bff/refresh', {
      method: 'POST',
      body: JSON.stringify({ version: 1 }),
    });
    assert.equal(((await response.json()) as { version: number; refreshed: boolean }).version, 2);
    assert.equal(grants('refresh_token') - before, 0);
  });

  it('refuses a body without a version with 400 bad_request', async () => {
    const browser = await signedIn();
    const response = await browser.call('/bff/refresh', { method: 'POST', body: '{}' });
    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as { error: string }).error, 'bad_request');
  });

  it('ends the session definitively when the provider rejects the refresh token', async () => {
    const browser = await signedIn();
    const id = browser.cookie('bff_session')!.value;
    const lookup = await bff.store.getSession(id);
    assert.equal(lookup.state, 'active');
    if (lookup.state !== 'active') return;
    const { revision, ...tokens } = lookup.session.tokens;
    await bff.store.writeTokens(id, revision, { ...tokens, refreshToken: 'not-a-refresh-token' });
    const response = await browser.call('/bff/refresh', {
      method: 'POST',
      body: JSON.stringify({ version: 1 }),
    });
    assert.equal(response.status, 401);
    assert.deepEqual(await response.json(), {
      error: 'session_ended',
      reason: 'refresh_rejected',
      message: 'session ended (refresh_rejected): sign in again',
    });
    assert.deepEqual(await (await browser.call('/bff/session')).json(), {
      user: null,
      reason: 'refresh_rejected',
    });
  });
});

describe('provider failures during a refresh', () => {
  let failing: RunningBff;
  let fault: 'none' | 'outage' | 'lost-answer' = 'none';

  before(async () => {
    failing = await startBff(stack, {
      listen: false,
      store: bff.store,
      wrapOidc: (real) => ({
        ...real,
        refresh: async (refreshToken, sub) => {
          if (fault === 'outage') throw new ProviderUnavailableError();
          const tokens = await real.refresh(refreshToken, sub);
          // The provider rotated, and the answer never arrived.
          if (fault === 'lost-answer') throw new RefreshOutcomeUnknownError('no answer');
          return tokens;
        },
      }),
    });
  });
  after(() => failing.close());

  const refresh = (browser: Browser, version: number) =>
    browser.call('/bff/refresh', {
      base: `http://localhost:${(failing.server.server.address() as { port: number }).port}`,
      method: 'POST',
      body: JSON.stringify({ version }),
    });

  it('answers 503 and keeps the session (and its refresh token) through an outage', async () => {
    const browser = await signedIn();
    fault = 'outage';
    const during = await refresh(browser, 1);
    assert.equal(during.status, 503);
    assert.deepEqual(await during.json(), { error: 'unavailable', message: 'try again later' });
    const lookup = await bff.store.getSession(browser.cookie('bff_session')!.value);
    assert.ok(lookup.state === 'active' && lookup.session.tokens.refreshing === undefined);
    fault = 'none';
    const errors = stack.idp.stats.snapshot().grantErrors.length;
    const afterwards = await refresh(browser, 1);
    assert.equal(((await afterwards.json()) as { version: number }).version, 2);
    assert.equal(stack.idp.stats.snapshot().grantErrors.length, errors);
  });

  it('uses a token inside the leeway during an outage, and answers 503 once it expired', async () => {
    const browser = await signedIn();
    const base = `http://localhost:${(failing.server.server.address() as { port: number }).port}`;
    fault = 'outage';
    try {
      failing.advance(55_000);
      const early = await browser.call('/api/me', { base });
      assert.equal(early.status, 200);
      assert.equal(early.headers.get('x-bff-session-version'), '1');
      failing.advance(10_000);
      const late = await browser.call('/api/me', { base });
      assert.equal(late.status, 503);
      assert.equal(late.headers.get('x-bff-source'), 'bff');
    } finally {
      failing.advance(-65_000);
      fault = 'none';
    }
  });

  it("ends the session, without a replay, when a rotation's answer is lost", async () => {
    const browser = await signedIn();
    fault = 'lost-answer';
    const errors = stack.idp.stats.snapshot().grantErrors.length;
    const response = await refresh(browser, 1);
    fault = 'none';
    assert.equal(response.status, 401);
    assert.equal(((await response.json()) as { reason: string }).reason, 'refresh_token_lost');
    assert.equal((await refresh(browser, 1)).status, 401);
    assert.equal(
      stack.idp.stats.snapshot().grantErrors.length,
      errors,
      'the rotated token was never presented',
    );
  });
});

describe('upstream 401s', () => {
  let refusing: Server;
  let refusingBff: RunningBff;
  let calls = 0;

  before(async () => {
    // An API that refuses every token, as a wrong audience would.
    refusing = createServer((_req, res) => {
      calls += 1;
      res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' }).end();
    });
    const port = await freePort();
    await new Promise<void>((resolve) => refusing.listen(port, resolve));
    refusingBff = await startBff(stack, {
      listen: false,
      store: bff.store,
      env: { BFF_API_UPSTREAM: `http://localhost:${port}/api/` },
    });
  });
  after(async () => {
    await refusingBff.close();
    await new Promise((resolve) => refusing.close(resolve));
  });

  it('refreshes once and retries once, then passes the 401 on marked as retried, and brakes after', async () => {
    const browser = await signedIn();
    const base = `http://localhost:${(refusingBff.server.server.address() as { port: number }).port}`;
    const before = grants('refresh_token');
    const first = await browser.call('/api/me', { base });
    assert.equal(first.status, 401);
    assert.equal(first.headers.get('x-bff-source'), 'api');
    assert.equal(first.headers.get('x-bff-retried'), '1');
    assert.equal(first.headers.get('www-authenticate'), 'Bearer error="invalid_token"');
    assert.equal(grants('refresh_token') - before, 1);
    assert.equal(calls, 2);
    const more = await Promise.all(
      Array.from({ length: 5 }, () => browser.call('/api/me', { base })),
    );
    assert.deepEqual(
      more.map((r) => r.status),
      Array(5).fill(401),
    );
    assert.deepEqual(
      more.map((r) => r.headers.get('x-bff-retried')),
      Array(5).fill('1'),
    );
    assert.equal(
      grants('refresh_token') - before,
      1,
      'the brake: no refresh for a version the API refused fresh',
    );
  });
});

describe('what the API sees and sends back', () => {
  let echo: Server;
  let echoBff: RunningBff;
  let seen: { method?: string; url?: string; headers?: Record<string, unknown>; body?: string } =
    {};

  before(async () => {
    echo = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        seen = { method: req.method!, url: req.url!, headers: req.headers, body };
        res.writeHead(201, {
          'content-type': 'application/json',
          'set-cookie': 'api=1; Path=/',
          'access-control-allow-origin': '*',
          'x-api': 'yes',
        });
        res.end('{"ok":true}');
      });
    });
    const port = await freePort();
    await new Promise<void>((resolve) => echo.listen(port, resolve));
    echoBff = await startBff(stack, {
      listen: false,
      store: bff.store,
      env: { BFF_API_UPSTREAM: `http://localhost:${port}/v1/` },
    });
  });
  after(async () => {
    await echoBff.close();
    await new Promise((resolve) => echo.close(resolve));
  });

  it("gets the body byte for byte, the bearer token, and none of the browser's credentials", async () => {
    const browser = await signedIn();
    const base = `http://localhost:${(echoBff.server.server.address() as { port: number }).port}`;
    const body = '{"b": "ü",  "n":1}';
    const response = await browser.call('/api/orders/7?x=1&y=%20', {
      base,
      method: 'POST',
      body,
      headers: { authorization: 'Bearer from-the-browser', 'x-custom': 'kept' },
    });
    assert.equal(response.status, 201);
    assert.equal(await response.text(), '{"ok":true}');
    assert.equal(response.headers.get('x-api'), 'yes');
    assert.equal(response.headers.get('set-cookie'), null);
    assert.equal(response.headers.get('access-control-allow-origin'), null);
    assert.equal(seen.method, 'POST');
    assert.equal(seen.url, '/v1/orders/7?x=1&y=%20');
    assert.equal(seen.body, body);
    const headers = seen.headers!;
    assert.match(String(headers['authorization']), /^Bearer eyJ/);
    assert.equal(headers['x-custom'], 'kept');
    assert.equal(headers['content-type'], 'application/json');
    for (const name of ['cookie', 'origin', 'x-bff-csrf', 'referer'])
      assert.equal(headers[name], undefined, name);
  });

  it('forwards any other body and its exact content type as they are', async () => {
    const browser = await signedIn();
    const base = `http://localhost:${(echoBff.server.server.address() as { port: number }).port}`;
    const response = await browser.fetch(`${base}/api/raw`, {
      method: 'PUT',
      headers: { 'x-bff-csrf': '1', 'content-type': 'application/octet-stream; x=1' },
      body: new Uint8Array([1, 2, 3]),
    });
    assert.equal(response.status, 201);
    assert.equal(seen.body, '\u0001\u0002\u0003');
    assert.equal(seen.headers!['content-type'], 'application/octet-stream; x=1');
  });
});

describe('sign-out', () => {
  it('revokes the refresh token, ends the session and returns the end-session URL', async () => {
    const browser = await signedIn();
    const revocations = stack.idp.stats.snapshot().revocations;
    const response = await browser.call('/bff/logout', { method: 'POST' });
    assert.equal(response.status, 200);
    const { endSessionUrl } = (await response.json()) as { endSessionUrl: string };
    const url = new URL(endSessionUrl);
    assert.equal(url.origin + url.pathname, `${stack.idp.issuer}/session/end`);
    assert.ok(url.searchParams.get('id_token_hint'));
    assert.equal(url.searchParams.get('post_logout_redirect_uri'), `${stack.origin}/`);
    assert.equal(stack.idp.stats.snapshot().revocations - revocations, 1);
    assert.equal(browser.cookie('bff_session'), undefined);
    assert.deepEqual(await (await browser.call('/bff/session')).json(), { user: null });
    const again = await browser.call('/bff/logout', { method: 'POST' });
    assert.deepEqual(await again.json(), { endSessionUrl: null });
  });
});
