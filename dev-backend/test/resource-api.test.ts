import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { ApiStatsSnapshot } from '../resource-api/dev-stats.ts';
import { startResourceApi } from '../resource-api/server.ts';
import { freePort } from '../shared/free-port.ts';
import { readStats, resetStats } from './helpers/dev-stats-client.ts';
import {
  foreignKey,
  forgeAccessToken,
  forgeHs256WithPublicKey,
  forgeUnsignedToken,
} from './helpers/forge.ts';
import { signIn, type TokenResponse } from './helpers/oidc-flow.ts';
import { startStack, type TestStack } from './helpers/stack.ts';

const DASHBOARD = ['weather', 'news', 'stocks', 'tasks', 'messages', 'calendar'];

describe('resource API', () => {
  let stack: TestStack;
  let tokens: TokenResponse;
  before(async () => {
    stack = await startStack();
    ({ tokens } = await signIn(stack.idp.issuer));
  });
  after(() => stack.close());

  const get = (path: string, token?: string) =>
    fetch(`${stack.api.url}${path}`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });

  it('answers GET /api/me with the subject and name of a token from the provider', async () => {
    const response = await get('/api/me', tokens.access_token);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { sub: 'alice', name: 'Alice Liddell' });
  });

  it('accepts a token forged with the provider key, so the refusals below test one defect each', async () => {
    const response = await get(
      '/api/me',
      await forgeAccessToken(stack, { claims: { sub: 'bob', name: 'Bob the Builder' } }),
    );
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { sub: 'bob', name: 'Bob the Builder' });
  });

  for (const resource of DASHBOARD) {
    it(`serves the ${resource} dashboard resource`, async () => {
      const response = await get(`/api/dashboard/${resource}`, tokens.access_token);
      assert.equal(response.status, 200);
      const body = (await response.json()) as Record<string, unknown>;
      assert.equal(body['resource'], resource);
      assert.equal(typeof body['title'], 'string');
      assert.equal(typeof body['summary'], 'string');
      assert.ok(Array.isArray(body['items']) && body['items'].length > 0);
      assert.equal(body['subject'], 'alice');
    });
  }

  it('answers 404 JSON for unknown routes, after checking the token under /api/', async () => {
    const unknown = await get('/api/dashboard/horoscope', tokens.access_token);
    assert.equal(unknown.status, 404);
    assert.deepEqual(await unknown.json(), { error: 'not_found' });
    assert.equal((await get('/api/dashboard/horoscope')).status, 401);
    assert.equal((await get('/elsewhere')).status, 404);
  });

  it('answers a request without a token with 401 and a bare Bearer challenge', async () => {
    const response = await get('/api/me');
    assert.equal(response.status, 401);
    assert.equal(response.headers.get('www-authenticate'), 'Bearer');
  });

  it('ignores a token in the access_token query parameter', async () => {
    const response = await fetch(`${stack.api.url}/api/me?access_token=${tokens.access_token}`);
    assert.equal(response.status, 401);
    assert.doesNotMatch(response.headers.get('www-authenticate') ?? '', /error=/);
  });

  it('ignores a token in a form body', async () => {
    const response = await fetch(`${stack.api.url}/api/me`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `access_token=${tokens.access_token}`,
    });
    assert.equal(response.status, 401);
  });

  const refusals: ReadonlyArray<readonly [string, string, () => Promise<string>]> = [
    [
      'an expired token',
      'expired',
      () => forgeAccessToken(stack, { claims: { iat: now() - 120, exp: now() - 60 } }),
    ],
    [
      'a token for another audience',
      'wrong_audience',
      () => forgeAccessToken(stack, { claims: { aud: 'http://localhost:1' } }),
    ],
    [
      'a token from another issuer',
      'wrong_issuer',
      () => forgeAccessToken(stack, { claims: { iss: 'http://evil.test' } }),
    ],
    ['an ID token', 'wrong_type', async () => tokens.id_token!],
    [
      'an at+jwt-typed token for the client',
      'wrong_audience',
      () => forgeAccessToken(stack, { claims: { aud: 'demo-spa' } }),
    ],
    ['an unsigned token (alg none)', 'alg_not_allowed', () => forgeUnsignedToken(stack)],
    [
      'HS256 signed with the RSA public key',
      'alg_not_allowed',
      () => forgeHs256WithPublicKey(stack),
    ],
    [
      'a token with an unknown kid',
      'unknown_key',
      async () => forgeAccessToken(stack, { key: await foreignKey(), header: { kid: 'unknown' } }),
    ],
    [
      'a token signed by another key under the right kid',
      'bad_signature',
      async () => forgeAccessToken(stack, { key: await foreignKey() }),
    ],
    [
      'a token without exp',
      'missing_claim',
      () => forgeAccessToken(stack, { claims: { exp: undefined } }),
    ],
    [
      'a token whose sub is not a string',
      'invalid_claim',
      () => forgeAccessToken(stack, { claims: { sub: 42 } }),
    ],
    [
      'a token not valid yet',
      'not_yet_valid',
      () => forgeAccessToken(stack, { claims: { nbf: now() + 600 } }),
    ],
    ['garbage', 'malformed', async () => 'not-a-token'],
  ];

  for (const [label, reason, forge] of refusals) {
    it(`refuses ${label} with 401 error="invalid_token"`, async () => {
      await resetStats(stack.api.url);
      const response = await get('/api/me', await forge());

      assert.equal(response.status, 401);
      const challenge = response.headers.get('www-authenticate') ?? '';
      assert.match(challenge, /^Bearer error="invalid_token", error_description="[^"]+"$/);
      assert.equal(((await response.json()) as { error: string }).error, 'invalid_token');
      assert.deepEqual((await readStats<ApiStatsSnapshot>(stack.api.url)).unauthorized, {
        [reason]: 1,
      });
    });
  }

  it('answers 503, not 401, when the provider keys cannot be fetched', async () => {
    // Nothing listens at this issuer, as when the provider is down or restarting.
    const issuer = `http://localhost:${await freePort()}`;
    const orphan = await startResourceApi({
      port: 0,
      issuer,
      audience: issuer,
      appOrigin: stack.appOrigin,
    });
    try {
      const token = await forgeAccessToken(stack, { claims: { iss: issuer, aud: issuer } });
      const response = await fetch(`${orphan.url}/api/me`, {
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(response.status, 503);
      assert.equal(response.headers.get('www-authenticate'), null);
    } finally {
      await orphan.close();
    }
  });

  it('counts requests in flight at once, with an optional response delay', async () => {
    const slow = await startResourceApi({
      port: 0,
      issuer: stack.idp.issuer,
      audience: stack.api.url,
      appOrigin: stack.appOrigin,
      responseDelayMs: 150,
    });
    try {
      await Promise.all(
        DASHBOARD.map((resource) =>
          fetch(`${slow.url}/api/dashboard/${resource}`, {
            headers: { authorization: `Bearer ${tokens.access_token}` },
          }),
        ),
      );
      assert.equal(slow.stats.snapshot().peakConcurrency, DASHBOARD.length);
    } finally {
      await slow.close();
    }
  });
});

function now(): number {
  return Math.floor(Date.now() / 1000);
}
