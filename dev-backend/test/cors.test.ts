import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { refresh, signIn, tokenRequest } from './helpers/oidc-flow.ts';
import { APP_ORIGIN, startStack, type TestStack } from './helpers/stack.ts';

const EVIL_ORIGIN = 'http://evil.test';

function preflight(
  url: string,
  origin: string,
  method: string,
  headers: string,
): Promise<Response> {
  return fetch(url, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': method,
      'access-control-request-headers': headers,
    },
  });
}

describe('CORS', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startStack();
  });
  after(() => stack.close());

  describe('token endpoint', () => {
    it('allows the app origin in preflight and response', async () => {
      const pre = await preflight(`${stack.idp.issuer}/token`, APP_ORIGIN, 'POST', 'content-type');
      assert.equal(pre.status, 204);
      assert.equal(pre.headers.get('access-control-allow-origin'), APP_ORIGIN);
      assert.match(pre.headers.get('access-control-allow-methods') ?? '', /POST/);

      const { tokens } = await signIn(stack.idp.issuer);
      const response = await tokenRequest(
        stack.idp.issuer,
        { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! },
        { origin: APP_ORIGIN },
      );
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('access-control-allow-origin'), APP_ORIGIN);
    });

    it('gives another origin no Access-Control-Allow-Origin, in preflight or response', async () => {
      const pre = await preflight(`${stack.idp.issuer}/token`, EVIL_ORIGIN, 'POST', 'content-type');
      assert.equal(pre.headers.get('access-control-allow-origin'), null);

      const { tokens } = await signIn(stack.idp.issuer);
      const response = await tokenRequest(
        stack.idp.issuer,
        { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! },
        { origin: EVIL_ORIGIN },
      );
      assert.equal(response.status, 400);
      assert.equal(response.headers.get('access-control-allow-origin'), null);
      // The refused request did not consume the token.
      assert.equal((await refresh(stack.idp.issuer, tokens.refresh_token!)).status, 200);
    });

    it('treats the revocation endpoint the same way', async () => {
      const allowed = await preflight(
        `${stack.idp.issuer}/token/revocation`,
        APP_ORIGIN,
        'POST',
        'content-type',
      );
      assert.equal(allowed.headers.get('access-control-allow-origin'), APP_ORIGIN);
      const refused = await preflight(
        `${stack.idp.issuer}/token/revocation`,
        EVIL_ORIGIN,
        'POST',
        'content-type',
      );
      assert.equal(refused.headers.get('access-control-allow-origin'), null);
    });
  });

  describe('resource API', () => {
    it('allows GET with Authorization from the app origin and exposes WWW-Authenticate', async () => {
      const pre = await preflight(`${stack.api.url}/api/me`, APP_ORIGIN, 'GET', 'authorization');
      assert.equal(pre.status, 204);
      assert.equal(pre.headers.get('access-control-allow-origin'), APP_ORIGIN);
      assert.equal(pre.headers.get('access-control-allow-methods'), 'GET');
      assert.equal(pre.headers.get('access-control-allow-headers'), 'Authorization, DPoP');

      const { tokens } = await signIn(stack.idp.issuer);
      const ok = await fetch(`${stack.api.url}/api/me`, {
        headers: { origin: APP_ORIGIN, authorization: `Bearer ${tokens.access_token}` },
      });
      assert.equal(ok.status, 200);
      assert.equal(ok.headers.get('access-control-allow-origin'), APP_ORIGIN);
      assert.match(ok.headers.get('vary') ?? '', /Origin/);

      // A refusal must be readable by the app too, or it cannot tell "expired" from "network".
      const refused = await fetch(`${stack.api.url}/api/me`, { headers: { origin: APP_ORIGIN } });
      assert.equal(refused.status, 401);
      assert.equal(refused.headers.get('access-control-allow-origin'), APP_ORIGIN);
      assert.equal(
        refused.headers.get('access-control-expose-headers'),
        'WWW-Authenticate, DPoP-Nonce',
      );
    });

    it('gives another origin no Access-Control-Allow-Origin, in preflight or response', async () => {
      const pre = await preflight(`${stack.api.url}/api/me`, EVIL_ORIGIN, 'GET', 'authorization');
      assert.equal(pre.headers.get('access-control-allow-origin'), null);
      assert.equal(pre.headers.get('access-control-allow-headers'), null);

      const { tokens } = await signIn(stack.idp.issuer);
      const response = await fetch(`${stack.api.url}/api/me`, {
        headers: { origin: EVIL_ORIGIN, authorization: `Bearer ${tokens.access_token}` },
      });
      assert.equal(response.headers.get('access-control-allow-origin'), null);
    });
  });
});
