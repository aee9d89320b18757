/**
 * Sign-ins in progress, one binding each (issue 19, item 3), against the real dev provider: two
 * tabs of one browser that start a sign-in together both complete and end on one working session
 * (the one completed last); the session it replaced is ended, and its refresh token revoked at the
 * provider (at once when it holds a grant of its own, with the shared grant at sign-out when both
 * came from one provider session); a callback without its own binding cookie is still refused (login CSRF); a browser
 * holds a bounded number of bindings.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import {
  BFF_CLIENT_ID,
  DEV_BFF_CLIENT_SECRET,
} from '../../dev-backend/identity-provider/bff-client.ts';
import { MAX_LOGINS_IN_PROGRESS } from '../login-binding.ts';
import { Browser } from './helpers/browser.ts';
import { startBff, startStack, type RunningBff, type Stack } from './helpers/stack.ts';

let stack: Stack;
let bff: RunningBff;

before(async () => {
  stack = await startStack();
  bff = await startBff(stack);
});
after(async () => {
  await bff.close();
  await stack.close();
});

/** `GET /bff/login` in a tab: the provider URL it sends the tab to. */
async function startSignIn(browser: Browser, returnUrl: string): Promise<URL> {
  const response = await browser.fetch(`/bff/login?returnUrl=${encodeURIComponent(returnUrl)}`);
  assert.equal(response.status, 303);
  const location = new URL(response.headers.get('location') ?? '', stack.origin);
  assert.notEqual(location.origin, stack.origin, 'the sign-in started at the provider');
  return location;
}

/** The provider's part of a sign-in (its login form when needed): the callback URL it answers. */
async function authorize(browser: Browser, providerUrl: URL): Promise<URL> {
  const login = await browser.follow(await browser.fetch(providerUrl), providerUrl, stack.origin);
  if (login.url.origin === stack.origin) return login.url;
  const html = await login.response.text();
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
  assert.ok(action, `the provider's login form (${login.response.status})`);
  const actionUrl = new URL(action.replace(/&amp;/g, '&'), login.url);
  const submitted = await browser.fetch(actionUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username: 'alice', password: 'wonderland' }).toString(),
  });
  const callback = await browser.follow(submitted, actionUrl, stack.origin);
  assert.equal(callback.url.pathname, '/bff/callback');
  return callback.url;
}

/** The callback in a tab: where the BFF sends it. */
async function complete(browser: Browser, callbackUrl: URL): Promise<URL> {
  const response = await browser.fetch(callbackUrl);
  assert.equal(response.status, 303);
  return new URL(response.headers.get('location') ?? '', stack.origin);
}

function bindingCookies(browser: Browser): string[] {
  return [...browser.cookies.values()]
    .map(({ name }) => name)
    .filter((name) => name.startsWith('bff_login'));
}

/** Presents a refresh token at the token endpoint as the BFF client: the provider's error code. */
async function redeem(refreshToken: string): Promise<{ error?: string }> {
  const discovery = (await (
    await fetch(`${stack.idp.issuer}/.well-known/openid-configuration`)
  ).json()) as { token_endpoint: string };
  const response = await fetch(discovery.token_endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${BFF_CLIENT_ID}:${DEV_BFF_CLIENT_SECRET}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }),
  });
  return (await response.json()) as { error?: string };
}

function stats() {
  return stack.idp.stats.snapshot();
}

describe('concurrent sign-ins in one browser', () => {
  it('signs both tabs in to the session completed last; the replaced one ends, its grant with the last', async () => {
    const browser = new Browser(stack.origin);
    const before = stats();
    // Both tabs leave for the provider before either comes back.
    const tabA = await startSignIn(browser, '/profile');
    const tabB = await startSignIn(browser, '/dashboard');
    const callbackA = await authorize(browser, tabA);
    const callbackB = await authorize(browser, tabB);

    assert.equal((await complete(browser, callbackA)).href, `${stack.origin}/profile`);
    const first = browser.cookie('bff_session')!.value;
    const firstLookup = await bff.store.getSession(first);
    assert.ok(firstLookup.state === 'active');
    const replacedRefreshToken = firstLookup.session.tokens.refreshToken!;
    assert.equal(bindingCookies(browser).length, 1, "tab B's binding survived tab A's callback");
    assert.equal((await complete(browser, callbackB)).href, `${stack.origin}/dashboard`);
    const last = browser.cookie('bff_session')!.value;
    assert.notEqual(last, first);
    assert.deepEqual(bindingCookies(browser), [], 'both bindings used up');

    // One working session for both tabs (they share the cookie): the one completed last.
    assert.deepEqual(await bff.store.getSession(first), { state: 'ended', reason: 'replaced' });
    assert.equal((await browser.call('/bff/session')).status, 200);
    const me = await browser.call('/api/me');
    assert.equal(me.status, 200, await me.clone().text());
    const after = stats();
    assert.equal(
      after.grants['authorization_code']! - (before.grants['authorization_code'] ?? 0),
      2,
    );
    // Both came from one provider session, so one grant: revoking the replaced refresh token now
    // would revoke the new session's too. It is dropped instead, and no revocation happens.
    assert.equal(after.revocations - before.revocations, 0, 'no revocation of the shared grant');
    const refreshed = await browser.call('/bff/refresh', {
      method: 'POST',
      body: JSON.stringify({ version: 1 }),
    });
    assert.equal(refreshed.status, 200, await refreshed.clone().text());
    assert.equal(((await refreshed.json()) as { refreshed: boolean }).refreshed, true);
    assert.deepEqual(stats().grantErrors.slice(before.grantErrors.length), [], 'no grant error');

    // Signing out revokes the one grant, and with it the replaced session's refresh token.
    const logout = await browser.call('/bff/logout', { method: 'POST' });
    assert.equal(logout.status, 200);
    assert.equal(stats().revocations - before.revocations, 1, 'one revocation, at sign-out');
    assert.equal(stats().grantsRevoked - before.grantsRevoked, 1, 'one grant revoked');
    const redeemed = await redeem(replacedRefreshToken);
    assert.equal(redeemed.error, 'invalid_grant', 'the replaced refresh token is dead');
  });

  it('revokes the replaced session at the provider when it came from another provider session', async () => {
    const browser = new Browser(stack.origin);
    await browser.signIn({ returnUrl: '/profile' });
    const first = browser.cookie('bff_session')!.value;
    const firstLookup = await bff.store.getSession(first);
    assert.ok(firstLookup.state === 'active');
    // The provider session ends on the provider's side only (its cookies go): a new sign-in
    // starts another provider session, and with it another grant.
    for (const [key, cookie] of browser.cookies)
      if (!cookie.name.startsWith('bff_')) browser.cookies.delete(key);
    const before = stats();
    await browser.signIn({ returnUrl: '/dashboard' });
    const lookup = await bff.store.getSession(browser.cookie('bff_session')!.value);
    assert.ok(lookup.state === 'active');
    assert.notEqual(lookup.session.sid, firstLookup.session.sid, 'another provider session');
    assert.deepEqual(await bff.store.getSession(first), { state: 'ended', reason: 'replaced' });
    assert.equal(stats().revocations - before.revocations, 1, 'the replaced grant was revoked');
    assert.equal(stats().grantsRevoked - before.grantsRevoked, 1);
    const redeemed = await redeem(firstLookup.session.tokens.refreshToken!);
    assert.equal(redeemed.error, 'invalid_grant');
    const refreshed = await browser.call('/bff/refresh', {
      method: 'POST',
      body: JSON.stringify({ version: 1 }),
    });
    assert.equal(refreshed.status, 200, 'the new session still refreshes');
    // The one grant error is the test's own redeem of the revoked token above.
    assert.deepEqual(stats().grantErrors.slice(before.grantErrors.length + 1), []);
  });

  it("leaves the new session's cookie alone when a request of the replaced session is answered after the callback", async () => {
    // A tab's request sent with the old cookie, answered after another tab's callback set the
    // new one: a browser applies that answer's Set-Cookie too. Clearing the cookie there would
    // sign the browser out of the session it just made (seen in e2e: 1 run in 4).
    const browser = new Browser(stack.origin);
    await browser.signIn({ returnUrl: '/profile' });
    const replaced = browser.cookie('bff_session')!.value;
    await browser.signIn({ returnUrl: '/dashboard' });
    assert.notEqual(browser.cookie('bff_session')!.value, replaced);
    const stale = (path: string, init: RequestInit = {}) =>
      fetch(new URL(path, stack.origin), {
        ...init,
        headers: {
          cookie: `bff_session=${replaced}`,
          'x-bff-csrf': '1',
          'sec-fetch-site': 'same-origin',
          origin: stack.origin,
          'content-type': 'application/json',
        },
      });
    const answers = {
      session: await stale('/bff/session'),
      refresh: await stale('/bff/refresh', { method: 'POST', body: '{"version":1}' }),
      proxy: await stale('/api/me'),
    };
    assert.deepEqual(await answers.session.json(), { user: null, reason: 'replaced' });
    assert.deepEqual(
      Object.fromEntries(Object.entries(answers).map(([route, r]) => [route, r.status])),
      { session: 200, refresh: 401, proxy: 401 },
    );
    const clearing = Object.entries(answers).flatMap(([route, r]) =>
      r.headers
        .getSetCookie()
        .filter((line) => line.startsWith('bff_session='))
        .map((line) => `${route}: ${line.split(';')[0]}`),
    );
    assert.deepEqual(clearing, [], 'no answer about the replaced session touches the cookie');
    const session = (await (await browser.call('/bff/session')).json()) as { user: unknown };
    assert.ok(session.user, 'the new session is still the browser’s');
  });

  it('refuses a callback without the binding of its own sign-in (login CSRF)', async () => {
    const victim = new Browser(stack.origin);
    const attacker = new Browser(stack.origin);
    // The victim has a sign-in of their own in progress: its binding must not admit another's.
    await startSignIn(victim, '/profile');
    const planted = await authorize(attacker, await startSignIn(attacker, '/dashboard'));
    const landed = await complete(victim, planted);
    assert.equal(landed.pathname, '/login');
    assert.equal(landed.searchParams.get('error'), 'state_mismatch');
    assert.equal(victim.cookie('bff_session'), undefined, 'no session for the attacker');
    assert.equal(bindingCookies(victim).length, 1, "the victim's own sign-in is untouched");
  });

  it(`holds at most ${MAX_LOGINS_IN_PROGRESS} bindings per browser, dropping the oldest`, async () => {
    const browser = new Browser(stack.origin);
    const starts: URL[] = [];
    for (let tab = 0; tab < MAX_LOGINS_IN_PROGRESS + 3; tab++) {
      starts.push(await startSignIn(browser, `/tab/${tab}`));
      // Issue times are whole milliseconds: keep them apart so "oldest" is well defined.
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    assert.equal(bindingCookies(browser).length, MAX_LOGINS_IN_PROGRESS);
    // The newest completes; the oldest lost its binding and is refused.
    const newest = await authorize(browser, starts[starts.length - 1]!);
    assert.equal((await complete(browser, newest)).pathname, `/tab/${MAX_LOGINS_IN_PROGRESS + 2}`);
    const oldest = await authorize(browser, starts[0]!);
    assert.equal((await complete(browser, oldest)).searchParams.get('error'), 'state_mismatch');
  });
});
