import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';

import type { ApiStatsSnapshot } from '../resource-api/dev-stats.ts';
import { startResourceApi } from '../resource-api/server.ts';
import { readStats, resetStats } from './helpers/dev-stats-client.ts';
import { forgeAccessToken } from './helpers/forge.ts';
import { APP_SCOPE, signIn, type TokenResponse } from './helpers/oidc-flow.ts';
import { APP_ORIGIN, startStack, type TestStack } from './helpers/stack.ts';

/** RFC 6750 section 3: what the API answers for each kind of refused request. */
describe('the API refuses as RFC 6750 says', () => {
  let stack: TestStack;
  let appTokens: TokenResponse;
  before(async () => {
    stack = await startStack();
    ({ tokens: appTokens } = await signIn(stack.idp.issuer));
  });
  after(() => stack.close());

  const get = (path: string, authorization?: string) =>
    fetch(`${stack.api.url}${path}`, {
      headers: authorization === undefined ? {} : { authorization },
    });

  it('sends a bare Bearer challenge, without error, when no token is given', async () => {
    await resetStats(stack.api.url);
    const response = await get('/api/me');
    assert.equal(response.status, 401);
    assert.equal(response.headers.get('www-authenticate'), 'Bearer');
    assert.deepEqual((await readStats<ApiStatsSnapshot>(stack.api.url)).unauthorized, {
      missing_token: 1,
    });
  });

  it('treats another scheme as no token: 401 with the bare challenge', async () => {
    const response = await get('/api/me', 'Basic YWxpY2U6d29uZGVybGFuZA==');
    assert.equal(response.status, 401);
    assert.equal(response.headers.get('www-authenticate'), 'Bearer');
  });

  it('answers 401 invalid_token for a well-formed header with a bad token', async () => {
    const response = await get('/api/me', 'Bearer not-a-token');
    assert.equal(response.status, 401);
    assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer error="invalid_token"/);
  });

  const malformed: ReadonlyArray<readonly [string, string]> = [
    ['Bearer without a token', 'Bearer'],
    ['a token with spaces', 'Bearer a b c'],
    ['a token with characters outside b64token', 'Bearer abc,def'],
    ['a comma right after the scheme', 'Bearer,abc'],
    ['an empty header', ''],
  ];
  for (const [label, header] of malformed) {
    it(`answers 400 invalid_request for ${label}`, async () => {
      await resetStats(stack.api.url);
      const response = await get('/api/me', header);
      assert.equal(response.status, 400);
      assert.match(
        response.headers.get('www-authenticate') ?? '',
        /^Bearer error="invalid_request", error_description="[^"]+"$/,
      );
      assert.equal(((await response.json()) as { error: string }).error, 'invalid_request');
      const stats = await readStats<ApiStatsSnapshot>(stack.api.url);
      assert.equal(stats.invalidRequests, 1);
      assert.deepEqual(stats.unauthorized, {}, 'a malformed header is not counted as a 401');
    });
  }

  it('answers 400 invalid_request for two Authorization headers, even if both are valid', async () => {
    const header = `Bearer ${appTokens.access_token}`;
    const { status, challenge } = await new Promise<{ status?: number; challenge?: string }>(
      (resolve, reject) => {
        // fetch would merge the two into one header; raw node:http headers go as two lines
        // (and then Host must be given by hand).
        const url = new URL(`${stack.api.url}/api/me`);
        const req = request(url, {
          headers: ['host', url.host, 'authorization', header, 'authorization', header],
        });
        req.on('response', (res) => {
          res.resume();
          resolve({ status: res.statusCode, challenge: res.headers['www-authenticate'] });
        });
        req.on('error', reject);
        req.end();
      },
    );
    assert.equal(status, 400);
    assert.match(challenge ?? '', /^Bearer error="invalid_request"/);
  });

  it('answers 403 insufficient_scope, naming the scope, for the audit log with the app token', async () => {
    await resetStats(stack.api.url);
    const response = await get('/api/audit-log', `Bearer ${appTokens.access_token}`);
    assert.equal(response.status, 403);
    assert.equal(
      response.headers.get('www-authenticate'),
      'Bearer error="insufficient_scope", error_description="this resource needs the audit scope", scope="audit"',
    );
    assert.equal(((await response.json()) as { error: string }).error, 'insufficient_scope');
    const stats = await readStats<ApiStatsSnapshot>(stack.api.url);
    assert.equal(stats.insufficientScope, 1);
    assert.deepEqual(stats.unauthorized, {});
  });

  it('lets the app read a 403 and its challenge from its origin', async () => {
    const response = await fetch(`${stack.api.url}/api/audit-log`, {
      headers: { authorization: `Bearer ${appTokens.access_token}`, origin: APP_ORIGIN },
    });
    assert.equal(response.status, 403);
    assert.equal(response.headers.get('access-control-allow-origin'), APP_ORIGIN);
    assert.equal(
      response.headers.get('access-control-expose-headers'),
      'WWW-Authenticate, DPoP-Nonce',
    );
  });

  it('serves the audit log to a token that was granted the audit scope', async () => {
    const { tokens } = await signIn(stack.idp.issuer, { scope: `${APP_SCOPE} audit` });
    const response = await get('/api/audit-log', `Bearer ${tokens.access_token}`);
    assert.equal(response.status, 200);
    assert.equal(((await response.json()) as { subject: string }).subject, 'alice');
  });

  it('answers 403 on the app routes to a valid token without the api scope', async () => {
    const { tokens } = await signIn(stack.idp.issuer, { scope: 'openid profile offline_access' });
    for (const path of ['/api/me', '/api/dashboard/weather']) {
      const response = await get(path, `Bearer ${tokens.access_token}`);
      assert.equal(response.status, 403, path);
      assert.match(response.headers.get('www-authenticate') ?? '', /, scope="api"$/);
    }
  });

  it('answers 403 to a token carrying only the audit scope on an app route', async () => {
    const token = await forgeAccessToken(stack, { claims: { scope: 'audit' } });
    assert.equal((await get('/api/me', `Bearer ${token}`)).status, 403);
    assert.equal((await get('/api/audit-log', `Bearer ${token}`)).status, 200);
  });

  it('checks the token before the route: 401 for an unknown route without a token, 404 with one', async () => {
    assert.equal((await get('/api/nowhere')).status, 401);
    assert.equal((await get('/api/nowhere', `Bearer ${appTokens.access_token}`)).status, 404);
  });

  for (const [label, options] of [
    ['when told to', { enforceScopes: false }],
    [
      'by default for an external provider, whose scope names it cannot know',
      { profile: 'external' },
    ],
  ] as const) {
    it(`skips the scope check ${label}`, async () => {
      const lenient = await startResourceApi({
        port: 0,
        issuer: stack.idp.issuer,
        audience: stack.api.url,
        appOrigin: APP_ORIGIN,
        ...options,
      });
      try {
        const token = await forgeAccessToken(stack, { claims: { scope: undefined } });
        const response = await fetch(`${lenient.url}/api/me`, {
          headers: { authorization: `Bearer ${token}` },
        });
        assert.equal(response.status, 200);
      } finally {
        await lenient.close();
      }
    });
  }
});
