/**
 * The dev provider's authentication levels (demo contract, "Step-up"): `acr_values`
 * `urn:demo:otp` asks for the one-time code after the password, and asks again (the code only)
 * from a session signed in with the password alone; `max_age` asks for the password again once
 * the last sign-in is older; `acr` and `auth_time` are in the ID token and the access tokens,
 * also after a refresh.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';

import {
  REDIRECT_URI,
  authorizationUrl,
  createPkce,
  followRedirects,
  openLoginPage,
  refresh,
  signIn,
  tokenRequest,
  type TokenResponse,
} from './helpers/oidc-flow.ts';
import { startStack, type TestStack } from './helpers/stack.ts';
import { UserAgent } from './helpers/user-agent.ts';

const OTP = 'urn:demo:otp';

describe('step-up at the dev provider', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startStack();
  });
  after(() => stack.close());

  /** An authorization request of `agent` that ends on a page: its HTML and where it posts. */
  async function authorize(agent: UserAgent, request: { acrValues?: string; maxAge?: number }) {
    const pkce = createPkce();
    const page = await openLoginPage(agent, stack.idp.issuer, {
      codeChallenge: pkce.challenge,
      ...request,
    });
    return { ...page, pkce };
  }

  /** Posts `form` to `action`; returns the page shown, or the tokens for the code it led to. */
  async function submit(
    agent: UserAgent,
    action: URL,
    form: Record<string, string>,
    verifier: string,
  ): Promise<{ html?: string; tokens?: TokenResponse }> {
    const { appUrl, page } = await followRedirects(
      agent,
      await agent.postForm(action, form),
      action,
    );
    if (page) return { html: await page.text() };
    const code = appUrl!.searchParams.get('code')!;
    const answer = await tokenRequest(stack.idp.issuer, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
      code_verifier: verifier,
    });
    assert.equal(answer.status, 200);
    return { tokens: (await answer.json()) as TokenResponse };
  }

  it('the password alone is urn:demo:pwd, in the access token (the ID token has it when asked)', async () => {
    const { tokens } = await signIn(stack.idp.issuer);
    assert.equal(decodeJwt(tokens.access_token)['acr'], 'urn:demo:pwd');
    assert.equal(typeof decodeJwt(tokens.access_token)['auth_time'], 'number');
  });

  it('acr_values urn:demo:otp asks for the password, then the one-time code', async () => {
    const agent = new UserAgent();
    const login = await authorize(agent, { acrValues: OTP, maxAge: 300 });
    assert.match(login.html, /<label for="password">Password<\/label>/);
    const codePage = await submit(
      agent,
      login.action,
      { username: 'alice', password: 'wonderland' },
      login.pkce.verifier,
    );
    assert.match(codePage.html!, /<label for="code">One-time code<\/label>/);
    assert.match(codePage.html!, /<button type="submit">Verify<\/button>/);
    const wrong = await submit(
      agent,
      login.action,
      { step: 'one-time-code', code: '000000' },
      login.pkce.verifier,
    );
    assert.match(wrong.html!, /role="alert">That code is not right\./);
    const { tokens } = await submit(
      agent,
      login.action,
      { step: 'one-time-code', code: '123456' },
      login.pkce.verifier,
    );
    const access = decodeJwt(tokens!.access_token);
    assert.equal(access['acr'], OTP);
    assert.ok(Math.abs(Number(access['auth_time']) - Date.now() / 1000) < 10);
    assert.equal(decodeJwt(tokens!.id_token!)['acr'], OTP);
    assert.equal(decodeJwt(tokens!.id_token!)['auth_time'], access['auth_time']);
    // After a refresh: the same level and time, from the sign-in.
    const refreshed = (await (
      await refresh(stack.idp.issuer, tokens!.refresh_token!)
    ).json()) as TokenResponse;
    assert.equal(decodeJwt(refreshed.access_token)['acr'], OTP);
    assert.equal(decodeJwt(refreshed.access_token)['auth_time'], access['auth_time']);
  });

  it('signed in with the password, a step-up asks for the code only; a later one, nothing', async () => {
    const { agent } = await signIn(stack.idp.issuer);
    const stepUp = await authorize(agent, { acrValues: OTP, maxAge: 300 });
    assert.match(stepUp.html, /One-time code/);
    assert.doesNotMatch(stepUp.html, /Password/);
    const { tokens } = await submit(
      agent,
      stepUp.action,
      { step: 'one-time-code', code: '123456' },
      stepUp.pkce.verifier,
    );
    assert.equal(decodeJwt(tokens!.access_token)['acr'], OTP);
    // The session is at the level now: asking again within max_age shows no page at all.
    const pkce = createPkce();
    const url = authorizationUrl(stack.idp.issuer, {
      codeChallenge: pkce.challenge,
      acrValues: OTP,
      maxAge: 300,
    });
    const { appUrl, page } = await followRedirects(agent, await agent.fetch(url), url);
    assert.equal(page, undefined, 'no page expected');
    assert.ok(appUrl?.searchParams.get('code'));
  });

  it('once max_age has passed, the password is asked again, then the code', async () => {
    const { agent } = await signIn(stack.idp.issuer);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const stepUp = await authorize(agent, { acrValues: OTP, maxAge: 1 });
    assert.match(stepUp.html, /<label for="password">Password<\/label>/);
    const codePage = await submit(
      agent,
      stepUp.action,
      { username: 'alice', password: 'wonderland' },
      stepUp.pkce.verifier,
    );
    assert.match(codePage.html!, /One-time code/);
  });

  it('a code posted without the password verified on that sign-in is refused', async () => {
    const agent = new UserAgent();
    const login = await authorize(agent, { acrValues: OTP });
    const forged = await submit(
      agent,
      login.action,
      { step: 'one-time-code', code: '123456' },
      login.pkce.verifier,
    );
    assert.match(forged.html!, /Sign-in cannot continue/);
  });

  it('GET /api/payments: 401 with the RFC 9470 challenge for the password level, 200 with the code', async () => {
    const payments = (token: string) =>
      fetch(`${stack.api.url}/api/payments`, { headers: { authorization: `Bearer ${token}` } });
    const { tokens: weak, agent } = await signIn(stack.idp.issuer);
    const refused = await payments(weak.access_token);
    assert.equal(refused.status, 401);
    assert.equal(
      refused.headers.get('www-authenticate'),
      'Bearer error="insufficient_user_authentication", error_description="a stronger or more recent authentication is required", acr_values="urn:demo:otp", max_age=300',
    );
    assert.equal(
      ((await refused.json()) as { error: string }).error,
      'insufficient_user_authentication',
    );
    const stepUp = await authorize(agent, { acrValues: OTP, maxAge: 300 });
    const { tokens: strong } = await submit(
      agent,
      stepUp.action,
      { step: 'one-time-code', code: '123456' },
      stepUp.pkce.verifier,
    );
    const answer = await payments(strong!.access_token);
    assert.equal(answer.status, 200);
    assert.equal(((await answer.json()) as { subject: string }).subject, 'alice');
    // The other routes take either level.
    const me = await fetch(`${stack.api.url}/api/me`, {
      headers: { authorization: `Bearer ${weak.access_token}` },
    });
    assert.equal(me.status, 200);
  });
});
