import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SignJWT, importJWK } from 'jose';

import type { ProviderStatsSnapshot } from '../identity-provider/dev-stats.ts';
import { readStats, resetStats } from './helpers/dev-stats-client.ts';
import { confirmLogout, endSessionUrl, openEndSessionPage } from './helpers/end-session.ts';
import { foreignKey } from './helpers/forge.ts';
import { CLIENT_ID, REDIRECT_URI, refresh, signIn } from './helpers/oidc-flow.ts';
import { startStack, type TestStack } from './helpers/stack.ts';
import { redirectTarget } from './helpers/user-agent.ts';

/**
 * Another site can send the browser to the end-session endpoint; only a request carrying an ID
 * token of the signed-in account (which only that account's app holds) may end the session
 * without a question.
 */
describe('the end-session page', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startStack();
  });
  after(() => stack.close());

  it('submits itself for the app: id_token_hint of the signed-in account, client_id, post-logout URI', async () => {
    await resetStats(stack.idp.issuer);
    const { tokens, agent } = await signIn(stack.idp.issuer);

    const page = await openEndSessionPage(agent, stack.idp.issuer, {
      id_token_hint: tokens.id_token!,
      client_id: CLIENT_ID,
      post_logout_redirect_uri: REDIRECT_URI,
    });
    assert.equal(page.submitsItself, true);

    const done = await confirmLogout(agent, page);
    assert.equal(redirectTarget(done, page.action).href, REDIRECT_URI);
    assert.equal((await readStats<ProviderStatsSnapshot>(stack.idp.issuer)).endSessions, 1);
    assert.equal((await refresh(stack.idp.issuer, tokens.refresh_token!)).status, 400);
  });

  it('lets its script run under a nonce-based CSP and cannot be framed', async () => {
    const { tokens, agent } = await signIn(stack.idp.issuer);
    const page = await openEndSessionPage(agent, stack.idp.issuer, {
      id_token_hint: tokens.id_token!,
    });
    const csp = page.response.headers.get('content-security-policy') ?? '';
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
    assert.ok(nonce, csp);
    assert.ok(page.html.includes(`<script nonce="${nonce}">`));
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(page.response.headers.get('x-frame-options'), 'DENY');
  });

  const askingRequests: ReadonlyArray<
    readonly [string, (tokens: { id_token?: string }, bobIdToken: string) => Record<string, string>]
  > = [
    ['no parameters at all', () => ({})],
    [
      'client_id and post_logout_redirect_uri without a hint',
      () => ({ client_id: CLIENT_ID, post_logout_redirect_uri: REDIRECT_URI }),
    ],
    [
      "an id_token_hint of another account (bob's, while alice is signed in)",
      (_tokens, bobIdToken) => ({
        id_token_hint: bobIdToken,
        post_logout_redirect_uri: REDIRECT_URI,
      }),
    ],
  ];

  for (const [label, params] of askingRequests) {
    it(`asks, with a button and no script, for ${label}`, async () => {
      const { tokens: bob } = await signIn(stack.idp.issuer, {
        username: 'bob',
        password: 'builder',
      });
      const { tokens, agent } = await signIn(stack.idp.issuer);

      const page = await openEndSessionPage(agent, stack.idp.issuer, params(tokens, bob.id_token!));
      assert.equal(page.submitsItself, false);
      assert.doesNotMatch(page.html, /<script/);
      assert.match(page.html, /Sign out of the demo identity provider\?/);
      assert.match(
        page.html,
        /<button type="submit" form="op\.logoutForm" name="logout" value="yes" autofocus>Yes, sign me out<\/button>/,
      );
      assert.equal(page.response.headers.get('x-frame-options'), 'DENY');

      // Merely showing the page ended nothing: alice's refresh token still works.
      const stillSignedIn = await refresh(stack.idp.issuer, tokens.refresh_token!);
      assert.equal(stillSignedIn.status, 200);

      // Pressing the button does sign out.
      await confirmLogout(agent, page);
      const { refresh_token: rotated } = (await stillSignedIn.json()) as { refresh_token: string };
      assert.equal((await refresh(stack.idp.issuer, rotated)).status, 400);
    });
  }

  it('refuses an id_token_hint not signed by this provider, even with the right sub', async () => {
    const { agent } = await signIn(stack.idp.issuer);
    const now = Math.floor(Date.now() / 1000);
    const forged = await new SignJWT({ sub: 'alice', iss: stack.idp.issuer, aud: CLIENT_ID })
      .setProtectedHeader({ alg: 'RS256', kid: stack.signingKey.kid })
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .sign(await importJWK(await foreignKey(), 'RS256'));

    const response = await agent.fetch(
      endSessionUrl(stack.idp.issuer, {
        id_token_hint: forged,
        post_logout_redirect_uri: REDIRECT_URI,
      }),
    );
    assert.equal(response.status, 400);
    assert.doesNotMatch(await response.text(), /op\.logoutForm/);
  });

  it('still confirms by itself with an expired ID token of the signed-in account', async () => {
    // The app may hold an ID token past its lifetime, and RP-initiated logout accepts expired
    // hints (OpenID Connect RP-Initiated Logout 1.0, section 2); the signature and sub still prove
    // whose app is asking.
    const { agent } = await signIn(stack.idp.issuer);
    const expired = await signIdToken(stack, {
      sub: 'alice',
      exp: Math.floor(Date.now() / 1000) - 600,
    });
    const page = await openEndSessionPage(agent, stack.idp.issuer, { id_token_hint: expired });
    assert.equal(page.submitsItself, true);
  });
});

/** An ID token for the demo client signed with the provider's own key. */
async function signIdToken(
  stack: TestStack,
  { sub, exp }: { readonly sub: string; readonly exp: number },
): Promise<string> {
  return new SignJWT({ sub, iss: stack.idp.issuer, aud: CLIENT_ID, iat: exp - 3600, exp })
    .setProtectedHeader({ alg: 'RS256', kid: stack.signingKey.kid })
    .sign(await importJWK(stack.signingKey, 'RS256'));
}
