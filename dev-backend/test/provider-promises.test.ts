import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { ProviderStatsSnapshot } from '../identity-provider/dev-stats.ts';
import { readStats, resetStats } from './helpers/dev-stats-client.ts';
import { endSessionUrl } from './helpers/end-session.ts';
import {
  APP_SCOPE,
  authorizationUrl,
  CLIENT_ID,
  createPkce,
  followRedirects,
  openLoginPage,
  REDIRECT_URI,
  refresh,
  signIn,
  tokenRequest,
  type TokenResponse,
} from './helpers/oidc-flow.ts';
import { startStack, type TestStack } from './helpers/stack.ts';
import { UserAgent } from './helpers/user-agent.ts';

interface OAuthError {
  readonly error: string;
  readonly error_description?: string;
}

/** Registered URI `http://localhost:4200/`, each changed by one character. */
const ONE_CHARACTER_OFF = [
  'http://localhost:4200', // slash removed
  'http://localhost:4201/', // port
  'https://localhost:4200/', // scheme
  'http://Localhost:4200/', // case, which URL parsing would normalise away
  'http://localhost:4200/x', // path
  'http://localhost:4200/?', // empty query
];

/**
 * What the dev provider promises and the app relies on without checking itself: pinned here so
 * that a configuration change cannot quietly take it away.
 */
describe('the dev provider keeps its promises', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startStack();
  });
  after(() => stack.close());

  /** Signs in up to the code (not exchanged yet). */
  async function authorize(): Promise<{ code: string; verifier: string }> {
    const agent = new UserAgent();
    const pkce = createPkce();
    const login = await openLoginPage(agent, stack.idp.issuer, { codeChallenge: pkce.challenge });
    const submitted = await agent.postForm(login.action, {
      username: 'alice',
      password: 'wonderland',
    });
    const { appUrl } = await followRedirects(agent, submitted, login.action);
    const code = appUrl?.searchParams.get('code');
    assert.ok(code);
    return { code, verifier: pkce.verifier };
  }

  const exchange = (code: string, verifier: string, redirectUri = REDIRECT_URI) =>
    tokenRequest(stack.idp.issuer, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      code_verifier: verifier,
    });

  describe('authorization codes', () => {
    it('refuses a replayed code with invalid_grant and revokes the grant it had issued', async () => {
      await resetStats(stack.idp.issuer);
      const { code, verifier } = await authorize();
      const first = await exchange(code, verifier);
      assert.equal(first.status, 200);
      const tokens = (await first.json()) as TokenResponse;

      const replay = await exchange(code, verifier);
      assert.equal(replay.status, 400);
      assert.equal(((await replay.json()) as OAuthError).error, 'invalid_grant');

      // Whoever exchanged the code first (perhaps an attacker) loses what it got.
      const afterReplay = await refresh(stack.idp.issuer, tokens.refresh_token!);
      assert.equal(afterReplay.status, 400);
      assert.equal(((await afterReplay.json()) as OAuthError).error, 'invalid_grant');

      const stats = await readStats<ProviderStatsSnapshot>(stack.idp.issuer);
      assert.equal(stats.grantsRevoked, 1);
      assert.deepEqual(
        stats.grantErrors.map(({ grantType, error }) => ({ grantType, error })),
        [
          { grantType: 'authorization_code', error: 'invalid_grant' },
          { grantType: 'refresh_token', error: 'invalid_grant' },
        ],
      );
    });
  });

  describe('redirect URIs are compared exactly', () => {
    for (const redirectUri of ONE_CHARACTER_OFF) {
      it(`refuses the authorization request for ${redirectUri}, without redirecting there`, async () => {
        const url = authorizationUrl(stack.idp.issuer);
        url.searchParams.set('redirect_uri', redirectUri);
        const response = await new UserAgent().fetch(url);

        assert.equal(response.status, 400);
        assert.equal(response.headers.get('location'), null);
        assert.match(await response.text(), /redirect_uri did not match/);
      });
    }

    it('refuses a code exchange whose redirect_uri differs by one character', async () => {
      const { code, verifier } = await authorize();
      const response = await exchange(code, verifier, 'http://localhost:4200');
      assert.equal(response.status, 400);
      assert.equal(((await response.json()) as OAuthError).error, 'invalid_grant');
    });

    for (const postLogoutUri of ONE_CHARACTER_OFF) {
      it(`refuses to end the session towards post_logout_redirect_uri ${postLogoutUri}`, async () => {
        const { tokens, agent } = await signIn(stack.idp.issuer);
        const response = await agent.fetch(
          endSessionUrl(stack.idp.issuer, {
            id_token_hint: tokens.id_token!,
            client_id: CLIENT_ID,
            post_logout_redirect_uri: postLogoutUri,
          }),
        );

        assert.equal(response.status, 400);
        assert.equal(response.headers.get('location'), null);
        const html = await response.text();
        assert.match(html, /post_logout_redirect_uri not registered/);
        assert.doesNotMatch(html, /op\.logoutForm/);
        // Nothing was ended.
        assert.equal((await refresh(stack.idp.issuer, tokens.refresh_token!)).status, 200);
      });
    }
  });

  describe('refresh scope', () => {
    for (const [label, scope] of [
      ['an OIDC scope the grant lacks', 'openid profile api'],
      ['an API scope the grant lacks', 'openid api audit'],
    ] as const) {
      it(`refuses a refresh asking for ${label} with invalid_scope`, async () => {
        const { tokens } = await signIn(stack.idp.issuer, { scope: 'openid api' });

        const response = await tokenRequest(stack.idp.issuer, {
          grant_type: 'refresh_token',
          refresh_token: tokens.refresh_token!,
          scope,
        });
        assert.equal(response.status, 400);
        assert.equal(((await response.json()) as OAuthError).error, 'invalid_scope');
      });
    }

    it('still accepts the refresh the app makes (no scope parameter) with the app scope', async () => {
      const { tokens } = await signIn(stack.idp.issuer, { scope: APP_SCOPE });
      assert.equal((await refresh(stack.idp.issuer, tokens.refresh_token!)).status, 200);
    });
  });
});
