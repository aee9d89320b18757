import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { ProviderStatsSnapshot } from '../identity-provider/dev-stats.ts';
import { readStats, resetStats } from './helpers/dev-stats-client.ts';
import {
  authorizationUrl,
  followRedirects,
  refresh,
  REDIRECT_URI,
  revoke,
  signIn,
} from './helpers/oidc-flow.ts';
import { startStack, type TestStack } from './helpers/stack.ts';
import { redirectTarget } from './helpers/user-agent.ts';

describe('revocation', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startStack();
  });
  after(() => stack.close());

  it('makes a revoked refresh token answer invalid_grant', async () => {
    await resetStats(stack.idp.issuer);
    const { tokens } = await signIn(stack.idp.issuer);

    const revoked = await revoke(stack.idp.issuer, tokens.refresh_token!);
    assert.equal(revoked.status, 200);

    const response = await refresh(stack.idp.issuer, tokens.refresh_token!);
    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as { error: string }).error, 'invalid_grant');

    const stats = await readStats<ProviderStatsSnapshot>(stack.idp.issuer);
    assert.equal(stats.revocations, 1);
    assert.deepEqual(
      stats.grantErrors.map(({ replayedRefreshToken }) => replayedRefreshToken),
      [false],
      'a revoked token is not a replayed one',
    );
  });
});

describe('RP-initiated logout', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startStack();
  });
  after(() => stack.close());

  it('advertises the end session and revocation endpoints', async () => {
    const discovery = (await (
      await fetch(`${stack.idp.issuer}/.well-known/openid-configuration`)
    ).json()) as Record<string, unknown>;
    assert.equal(discovery['end_session_endpoint'], `${stack.idp.issuer}/session/end`);
    assert.equal(discovery['revocation_endpoint'], `${stack.idp.issuer}/token/revocation`);
    assert.deepEqual(discovery['code_challenge_methods_supported'], ['S256']);
  });

  it('ends the session with id_token_hint and returns to the app, ending its refresh token too', async () => {
    await resetStats(stack.idp.issuer);
    const { tokens, agent } = await signIn(stack.idp.issuer);

    const endSession = new URL(`${stack.idp.issuer}/session/end`);
    endSession.searchParams.set('id_token_hint', tokens.id_token!);
    endSession.searchParams.set('post_logout_redirect_uri', REDIRECT_URI);
    const confirmation = await agent.fetch(endSession);
    const html = await confirmation.text();
    assert.equal(confirmation.status, 200);

    // The page submits itself with logout=yes; without JavaScript its button does the same.
    assert.match(html, /document\.getElementById\('op\.logoutForm'\)/);
    assert.match(html, /confirm\.name = 'logout'; confirm\.value = 'yes';/);
    assert.match(html, /<button type="submit" form="op\.logoutForm" name="logout" value="yes"/);
    const action = /<form id="op\.logoutForm" method="post" action="([^"]+)">/.exec(html)?.[1];
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)?.[1];
    assert.ok(action && xsrf);

    const confirmUrl = new URL(action, stack.idp.issuer);
    const done = await agent.postForm(confirmUrl, { xsrf, logout: 'yes' });
    assert.equal(redirectTarget(done, confirmUrl).href, REDIRECT_URI);

    const stats = await readStats<ProviderStatsSnapshot>(stack.idp.issuer);
    assert.equal(stats.endSessions, 1);

    const afterLogout = await refresh(stack.idp.issuer, tokens.refresh_token!);
    assert.equal(afterLogout.status, 400, 'the refresh token ended with the session');

    // The next authorization asks for credentials again.
    const url = authorizationUrl(stack.idp.issuer);
    const { page } = await followRedirects(agent, await agent.fetch(url), url);
    assert.match((await page?.text()) ?? '', /<button type="submit">Sign in<\/button>/);
  });

  it('shows a signed-out page when no post_logout_redirect_uri is given', async () => {
    const { agent } = await signIn(stack.idp.issuer);
    const endSession = new URL(`${stack.idp.issuer}/session/end`);
    const html = await (await agent.fetch(endSession)).text();
    const action = /<form id="op\.logoutForm" method="post" action="([^"]+)">/.exec(html)?.[1];
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)?.[1];

    const confirmUrl = new URL(action!, stack.idp.issuer);
    const done = await agent.postForm(confirmUrl, { xsrf: xsrf!, logout: 'yes' });
    const successUrl = redirectTarget(done, confirmUrl);
    const success = await agent.fetch(successUrl);
    assert.equal(success.status, 200);
    assert.match(await success.text(), /You are signed out/);
  });
});
