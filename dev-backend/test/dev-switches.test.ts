import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { REFUSES_EVERY_TOKEN } from '../resource-api/server.ts';
import { signIn } from './helpers/oidc-flow.ts';
import { startStack, type TestStack } from './helpers/stack.ts';

/** The dev stack's switches for failure tests: a provider outage, and an API that refuses. */
describe('dev failure switches', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startStack();
  });
  after(() => stack.close());

  const outage = (down: boolean, headers: Record<string, string> = {}) =>
    fetch(`${stack.idp.issuer}/__dev/outage?down=${down ? 1 : 0}`, { method: 'POST', headers });

  it('makes the provider answer 503 while down, and keeps its grants for when it is back', async () => {
    const { tokens } = await signIn(stack.idp.issuer);
    assert.equal((await outage(true)).status, 200);
    const discovery = await fetch(`${stack.idp.issuer}/.well-known/openid-configuration`);
    assert.equal(discovery.status, 503);
    assert.equal((await fetch(`${stack.idp.issuer}/__dev/stats`)).status, 200, 'dev routes stay');

    await outage(false);
    const refreshed = await fetch(`${stack.idp.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: String(tokens.refresh_token),
        client_id: 'demo-spa',
      }),
    });
    assert.equal(refreshed.status, 200, 'the grant survived the outage');
  });

  it('cannot be switched from a web page', async () => {
    const response = await outage(true, { origin: 'https://evil.test' });
    assert.equal(response.status, 403);
    const discovery = await fetch(`${stack.idp.issuer}/.well-known/openid-configuration`);
    assert.equal(discovery.status, 200);
  });

  it('has one API endpoint that refuses every token with 401 invalid_token', async () => {
    const { tokens } = await signIn(stack.idp.issuer);
    const headers = { authorization: `Bearer ${String(tokens.access_token)}` };
    assert.equal((await fetch(`${stack.api.url}/api/me`, { headers })).status, 200);
    const refused = await fetch(`${stack.api.url}${REFUSES_EVERY_TOKEN}`, { headers });
    assert.equal(refused.status, 401);
    assert.match(refused.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
  });
});
