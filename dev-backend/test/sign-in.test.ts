import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';

import {
  authorizationUrl,
  createPkce,
  followRedirects,
  openLoginPage,
  REDIRECT_URI,
  signIn,
  tokenRequest,
} from './helpers/oidc-flow.ts';
import { startStack, type TestStack } from './helpers/stack.ts';
import { UserAgent } from './helpers/user-agent.ts';

describe('signing in with authorization code + PKCE', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startStack();
  });
  after(() => stack.close());

  it('gives alice access, refresh and ID tokens, the access token being a JWT for the API', async () => {
    const { tokens } = await signIn(stack.idp.issuer);

    assert.equal(tokens.token_type, 'Bearer');
    assert.ok(tokens.refresh_token, 'a refresh token is issued without prompt=consent');
    assert.ok(tokens.id_token, 'an ID token is issued');
    assert.deepEqual(decodeProtectedHeader(tokens.access_token), {
      alg: 'RS256',
      typ: 'at+jwt',
      kid: stack.signingKey.kid,
    });

    const jwks = createRemoteJWKSet(new URL(`${stack.idp.issuer}/jwks`));
    const access = await jwtVerify(tokens.access_token, jwks, {
      issuer: stack.idp.issuer,
      audience: stack.api.url,
      typ: 'at+jwt',
    });
    assert.equal(access.payload.sub, 'alice');
    assert.equal(access.payload['name'], 'Alice Liddell');
    assert.equal(access.payload['scope'], 'api');
    assert.equal(access.payload['client_id'], 'demo-spa');
    assert.equal(access.payload.exp! - access.payload.iat!, 60);

    const id = await jwtVerify(tokens.id_token, jwks, {
      issuer: stack.idp.issuer,
      audience: 'demo-spa',
    });
    assert.equal(id.payload.sub, 'alice');
    assert.equal(id.payload['name'], 'Alice Liddell');
  });

  it('shows a form with the Username and Password labels and a Sign in button', async () => {
    const { html } = await openLoginPage(new UserAgent(), stack.idp.issuer);

    assert.match(
      html,
      /<label for="username">Username<\/label>\s*<input id="username" name="username" type="text"/,
    );
    assert.match(
      html,
      /<label for="password">Password<\/label>\s*<input id="password" name="password" type="password"/,
    );
    assert.match(html, /<button type="submit">Sign in<\/button>/);
    assert.doesNotMatch(html, /role="alert"/);
  });

  it('shows "Invalid username or password." on the same page after a wrong password, keeping the username', async () => {
    const agent = new UserAgent();
    const login = await openLoginPage(agent, stack.idp.issuer);

    const rejected = await agent.postForm(login.action, {
      username: 'alice',
      password: 'looking-glass',
    });
    const html = await rejected.text();
    assert.equal(rejected.status, 200);
    assert.match(html, /<div class="error" role="alert">Invalid username or password\.<\/div>/);
    assert.match(html, /value="alice"/);
    assert.ok(
      html.includes(`action="${login.action.pathname}"`),
      'the form posts to the same interaction',
    );

    // The same interaction still accepts the right password.
    const accepted = await agent.postForm(login.action, {
      username: 'alice',
      password: 'wonderland',
    });
    const { appUrl } = await followRedirects(agent, accepted, login.action);
    assert.ok(appUrl?.searchParams.get('code'), 'the app receives a code');
  });

  it('escapes what the user typed when showing it again', async () => {
    const agent = new UserAgent();
    const login = await openLoginPage(agent, stack.idp.issuer);

    const rejected = await agent.postForm(login.action, {
      username: '"><script>alert(1)</script>',
      password: 'x',
    });
    const html = await rejected.text();
    assert.ok(!html.includes('<script>alert(1)</script>'));
    assert.ok(html.includes('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"'));
  });

  it('answers an unknown or finished sign-in page with an explanation instead of a form', async () => {
    const response = await fetch(`${stack.idp.issuer}/interaction/no-such-interaction`);
    assert.equal(response.status, 400);
    const html = await response.text();
    assert.match(html, /Sign-in expired/);
    assert.doesNotMatch(html, /<form/);
  });

  it('signs bob in as bob', async () => {
    const { tokens } = await signIn(stack.idp.issuer, { username: 'bob', password: 'builder' });
    const jwks = createRemoteJWKSet(new URL(`${stack.idp.issuer}/jwks`));
    const { payload } = await jwtVerify(tokens.access_token, jwks, { audience: stack.api.url });
    assert.equal(payload.sub, 'bob');
    assert.equal(payload['name'], 'Bob the Builder');
  });

  it('skips the login page and any consent screen for a second authorization in the same session', async () => {
    const { agent } = await signIn(stack.idp.issuer);

    const url = authorizationUrl(stack.idp.issuer);
    const { appUrl, page } = await followRedirects(agent, await agent.fetch(url), url);
    assert.equal(page, undefined, 'no page is shown');
    assert.ok(appUrl?.searchParams.get('code'));
  });

  it('rejects an authorization request without code_challenge', async () => {
    const url = authorizationUrl(stack.idp.issuer, {
      codeChallenge: null,
      codeChallengeMethod: null,
    });
    const agent = new UserAgent();
    const { appUrl } = await followRedirects(agent, await agent.fetch(url), url);

    assert.equal(appUrl?.searchParams.get('error'), 'invalid_request');
    assert.match(appUrl?.searchParams.get('error_description') ?? '', /PKCE/);
  });

  it('rejects code_challenge_method=plain', async () => {
    const pkce = createPkce();
    const url = authorizationUrl(stack.idp.issuer, {
      codeChallenge: pkce.verifier,
      codeChallengeMethod: 'plain',
    });
    const agent = new UserAgent();
    const { appUrl } = await followRedirects(agent, await agent.fetch(url), url);

    assert.equal(appUrl?.searchParams.get('error'), 'invalid_request');
    assert.match(appUrl?.searchParams.get('error_description') ?? '', /code_challenge_method/);
  });

  it('refuses to exchange a code without the matching code_verifier', async () => {
    const agent = new UserAgent();
    const login = await openLoginPage(agent, stack.idp.issuer, {
      codeChallenge: createPkce().challenge,
    });
    const submitted = await agent.postForm(login.action, {
      username: 'alice',
      password: 'wonderland',
    });
    const { appUrl } = await followRedirects(agent, submitted, login.action);

    const response = await tokenRequest(stack.idp.issuer, {
      grant_type: 'authorization_code',
      code: appUrl?.searchParams.get('code') ?? '',
      redirect_uri: REDIRECT_URI,
      code_verifier: createPkce().verifier,
    });
    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as { error: string }).error, 'invalid_grant');
  });
});
