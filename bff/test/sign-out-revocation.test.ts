/**
 * Sign-out at a provider without a revocation endpoint: the BFF does not try (no "revocation
 * failed" warning at every sign-out), and says once, in its log and in the answer the app shows,
 * that the provider's refresh token could not be revoked; that token indeed still works there.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Browser } from './helpers/browser.ts';
import { startBff, startStack, type RunningBff, type Stack } from './helpers/stack.ts';

describe('sign-out at a provider without revocation', () => {
  let stack: Stack;
  let bff: RunningBff;
  before(async () => {
    stack = await startStack({ quirks: { revocationOff: true } });
    bff = await startBff(stack);
  });
  after(async () => {
    await bff.close();
    await stack.close();
  });

  it('skips revocation, says so once, and the refresh token outlives the sign-out', async () => {
    const browser = new Browser(stack.origin);
    await browser.signIn();
    const id = browser.cookie('bff_session')?.value;
    assert.ok(id);
    const lookup = await bff.store.getSession(id);
    assert.equal(lookup?.state, 'active');
    const refreshToken = lookup.state === 'active' ? lookup.session.tokens.refreshToken : undefined;
    assert.ok(refreshToken);

    const response = await browser.call('/bff/logout', { method: 'POST' });
    assert.equal(response.status, 200);
    const answer = (await response.json()) as {
      endSessionUrl: string;
      refreshTokenRevoked: boolean;
    };
    assert.equal(answer.refreshTokenRevoked, false);
    assert.ok(answer.endSessionUrl);

    assert.equal(stack.idp.stats.snapshot().revocations, 0);
    const log = bff.log();
    assert.equal(log.split("the provider's refresh token could not be revoked").length - 1, 1);
    assert.doesNotMatch(log, /revocation failed/);
    assert.ok(!log.includes(refreshToken), 'the refresh token is never logged');

    // What the sentence warns about: the provider still honours it.
    const refreshed = await fetch(`${stack.idp.issuer}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`demo-bff:dev-bff-secret-not-for-production`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }),
    });
    assert.equal(refreshed.status, 200);
  });
});
