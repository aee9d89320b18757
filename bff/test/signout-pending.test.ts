/**
 * The app's pending sign-out (bff/signout-pending.ts): any request that carries
 * `bff_signout_pending=1` ends the stored session before it is answered, so a sign-out the BFF
 * did not hear is carried out by whatever reaches it next (a session check, a refresh, an API
 * call, later a server render), never answered as signed in.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Browser } from './helpers/browser.ts';
import { startBff, startStack, type RunningBff, type Stack } from './helpers/stack.ts';

let stack: Stack;
let bff: RunningBff;

before(async () => {
  stack = await startStack({ accessTokenTtl: 60 });
  bff = await startBff(stack);
});
after(async () => {
  await bff.close();
  await stack.close();
});

const revocations = () => stack.idp.stats.snapshot().revocations;
const refreshGrants = () => stack.idp.stats.snapshot().grants['refresh_token'] ?? 0;

/** Signed in, then the app records a pending sign-out (as document.cookie would). */
async function pendingSignOut(): Promise<{ browser: Browser; sessionId: string }> {
  const browser = new Browser(stack.origin);
  await browser.signIn();
  const sessionId = browser.cookie('bff_session')?.value ?? '';
  assert.ok(sessionId, 'signed in');
  browser.cookies.set('bff_signout_pending;/', {
    name: 'bff_signout_pending',
    value: '1',
    path: '/',
    raw: 'bff_signout_pending=1; Path=/; SameSite=Lax',
  });
  return { browser, sessionId };
}

/** Whether the store still has `sessionId` live, asked with that cookie alone. */
async function stillLive(sessionId: string): Promise<unknown> {
  const probe = new Browser(stack.origin);
  probe.cookies.set('bff_session;/', { name: 'bff_session', value: sessionId, path: '/', raw: '' });
  return (await probe.call('/bff/session')).json();
}

describe('a pending sign-out cookie', () => {
  it('makes the session endpoint end the stored session first, revoke once, and answer signed out', async () => {
    const { browser, sessionId } = await pendingSignOut();
    const before = revocations();
    const response = await browser.call('/bff/session');
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { user: null, reason: 'signed_out' });
    assert.equal(revocations() - before, 1);
    assert.equal(browser.cookie('bff_session'), undefined, 'session cookie cleared');
    assert.equal(browser.cookie('bff_signout_pending'), undefined, 'pending cookie cleared');
    assert.deepEqual(await stillLive(sessionId), { user: null, reason: 'signed_out' });
  });

  it('makes a proxied API call end the session instead of forwarding it with the token', async () => {
    const { browser, sessionId } = await pendingSignOut();
    const before = revocations();
    const response = await browser.call('/api/me');
    assert.equal(response.status, 401);
    assert.equal(response.headers.get('x-bff-source'), 'bff');
    assert.deepEqual(await response.json(), {
      error: 'session_ended',
      reason: 'signed_out',
      message: 'session ended (signed_out): sign in again',
    });
    assert.equal(revocations() - before, 1);
    assert.deepEqual(await stillLive(sessionId), { user: null, reason: 'signed_out' });
  });

  it('makes a refresh end the session without refreshing it', async () => {
    const { browser, sessionId } = await pendingSignOut();
    const grants = refreshGrants();
    const response = await browser.call('/bff/refresh', {
      method: 'POST',
      body: JSON.stringify({ version: 1 }),
    });
    assert.equal(response.status, 401);
    assert.equal(((await response.json()) as { reason: string }).reason, 'signed_out');
    assert.equal(refreshGrants(), grants, 'no refresh at the provider');
    assert.deepEqual(await stillLive(sessionId), { user: null, reason: 'signed_out' });
  });

  it('is cleared by a sign-out the BFF hears, and by any answer when there is no session', async () => {
    const { browser } = await pendingSignOut();
    const logout = await browser.call('/bff/logout', { method: 'POST' });
    assert.equal(logout.status, 200);
    assert.equal(browser.cookie('bff_signout_pending'), undefined);

    const stranger = new Browser(stack.origin);
    stranger.cookies.set('bff_signout_pending;/', {
      name: 'bff_signout_pending',
      value: '1',
      path: '/',
      raw: '',
    });
    assert.deepEqual(await (await stranger.call('/bff/session')).json(), { user: null });
    assert.equal(stranger.cookie('bff_signout_pending'), undefined);
  });
});

describe('a sign-in started before a sign-out', () => {
  it('cannot complete after it: the sign-out removes its binding cookie, and its callback is refused', async () => {
    const browser = new Browser(stack.origin);
    await browser.signIn();
    // A second sign-in starts (another tab leaves for the provider) and is left there.
    const start = await browser.fetch('/bff/login?returnUrl=%2Fdashboard');
    const bindings = () =>
      [...browser.cookies.values()].filter(({ name }) => name.startsWith('bff_login_'));
    assert.equal(bindings().length, 1, 'bound to this browser');
    const logout = await browser.call('/bff/logout', { method: 'POST' });
    assert.equal(logout.status, 200);
    assert.deepEqual(bindings(), [], 'binding gone with the sign-out');
    // The provider still remembers the user, and sends the browser back with a code.
    const providerUrl = new URL(start.headers.get('location') ?? '');
    const back = await browser.follow(await browser.fetch(providerUrl), providerUrl, stack.origin);
    const callback = await browser.fetch(back.url);
    assert.equal(callback.status, 303);
    assert.match(callback.headers.get('location') ?? '', /^\/login\?.*error=state_mismatch/);
    assert.equal(browser.cookie('bff_session'), undefined, 'no new session');
  });
});
