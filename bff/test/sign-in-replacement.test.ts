/**
 * A sign-in that replaces the browser's session while a refresh of that session is in flight,
 * against the real dev provider, with the in-memory store and with Redis. Within one provider
 * session both sessions hold one grant at oidc-provider, and revoking any refresh token of it
 * revokes the grant (RFC 7009 2.1): a refresh holder that found its session ended by the
 * replacement and revoked the token it had just been given would kill the new session too.
 *
 * - the replacement waits for the refresh in flight (it holds the session's refresh lock), which
 *   writes first; the replaced session then ends (`replaced`), nothing is revoked, and the new
 *   session refreshes;
 * - past the refresh wait limit (3 lock TTLs) the replacement ends the session without the lock;
 *   the holder then finds it `replaced` and drops its token instead of revoking it;
 * - from another provider session (a grant of its own), the replaced grant is revoked with the
 *   refresh token the refresh in flight wrote (read under the lock): the newest.
 */
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { after, afterEach, before, describe, it } from 'node:test';

import { Browser } from './helpers/browser.ts';
import { RefreshControl } from './helpers/held-refresh.ts';
import { providerCounts } from './helpers/provider-counts.ts';
import { bffOnEachStore, startStack, type RunningBff, type Stack } from './helpers/stack.ts';

/** The smallest lock TTL config.ts allows: the replacement waits at most 3 of them. */
const LOCK_TTL_MS = 500;
const WAIT_LIMIT_MS = 3 * LOCK_TTL_MS;
const ENV = { BFF_REFRESH_LOCK_TTL_MS: String(LOCK_TTL_MS) };

let stack: Stack;
before(async () => {
  stack = await startStack();
});
after(async () => {
  await stack.close();
});

const control = new RefreshControl();
const { counts, since } = providerCounts(
  () => stack,
  ['codes', 'refreshes', 'revocations', 'grantsRevoked', 'grantErrors'],
);

/** A new ordinary sign-in in this browser up to the provider's redirect back (not yet visited). */
async function toCallback(browser: Browser): Promise<URL> {
  const started = await browser.fetch('/bff/login?returnUrl=%2Fdashboard');
  assert.equal(started.status, 303);
  const providerUrl = new URL(started.headers.get('location') ?? '', stack.origin);
  assert.notEqual(providerUrl.origin, stack.origin, 'the sign-in started at the provider');
  return (await browser.atProvider(providerUrl)).callback;
}

const sessionCookie = (browser: Browser) => browser.cookie('bff_session')?.value;

function refresh(browser: Browser, version: number): Promise<Response> {
  return browser.call('/bff/refresh', { method: 'POST', body: JSON.stringify({ version }) });
}

/** Long enough for a revocation the BFF sends without waiting for it to reach the provider. */
const settle = () => delay(300);

const STORES = bffOnEachStore(() => stack, {
  env: ENV,
  wrapOidc: control.wrapOidc,
  wrapStore: control.wrapStore,
});

for (const { name, start } of STORES) {
  describe(`a sign-in replacing a session with a refresh in flight (${name})`, () => {
    let bff: RunningBff;
    let stop: () => Promise<void>;
    before(async () => {
      ({ bff, stop } = await start());
    });
    afterEach(() => control.reset());
    after(async () => {
      await stop();
    });

    async function signedIn(): Promise<Browser> {
      const browser = new Browser(stack.origin);
      await browser.signIn();
      return browser;
    }

    async function sidOf(id: string): Promise<string | undefined> {
      const lookup = await bff.store.getSession(id);
      assert.ok(lookup.state === 'active', `session ${JSON.stringify(lookup)}`);
      return lookup.session.sid;
    }

    /** The BFF's log lines with this message. */
    const logged = (message: string) =>
      bff
        .log()
        .split('\n')
        .filter((line) => line.includes(`"msg":"${message}"`));

    it('lets the refresh finish first, then ends the old session; the shared grant lives on', async () => {
      const browser = await signedIn();
      const oldId = sessionCookie(browser)!;
      const oldSid = await sidOf(oldId);
      const before = counts();
      const revokedBefore = control.revoked.length;
      const gate = control.holdNextRefresh();
      const refreshing = refresh(browser, 1);
      // The provider rotated the old session's refresh token; the BFF has not stored it yet.
      await gate.entered;
      const callback = await toCallback(browser);
      const lockRefused = new Promise<'waited'>((resolve) => {
        control.onLockRefused = () => resolve('waited');
      });
      const completing = browser.fetch(callback);
      const first = await Promise.race([lockRefused, completing.then(() => 'completed' as const)]);
      control.onLockRefused = undefined;
      gate.release();
      const [refreshAnswer, callbackAnswer] = await Promise.all([refreshing, completing]);
      await settle();

      // The new session refreshes: the grant it shares with the old one was not revoked.
      const newId = sessionCookie(browser)!;
      assert.notEqual(newId, oldId, 'a new session');
      const refreshed = await refresh(browser, 1);
      assert.equal(refreshed.status, 200, await refreshed.clone().text());
      assert.equal(((await refreshed.json()) as { refreshed: boolean }).refreshed, true);
      assert.deepEqual(since(before), {
        codes: 1,
        refreshes: 2,
        revocations: 0,
        grantsRevoked: 0,
        grantErrors: 0,
      });
      assert.deepEqual(control.revoked.slice(revokedBefore), [], 'nothing revoked');

      assert.equal(first, 'waited', 'the callback waited for the refresh in flight');
      assert.equal(refreshAnswer.status, 200, await refreshAnswer.clone().text());
      const refreshBody = (await refreshAnswer.json()) as { version: number; refreshed: boolean };
      assert.deepEqual([refreshBody.version, refreshBody.refreshed], [2, true]);
      assert.equal(callbackAnswer.status, 303);
      assert.equal(
        new URL(callbackAnswer.headers.get('location')!, stack.origin).pathname,
        '/dashboard',
      );
      assert.equal(await sidOf(newId), oldSid, 'one provider session: one grant');
      assert.deepEqual(await bff.store.getSession(oldId), { state: 'ended', reason: 'replaced' });
      assert.equal((await browser.call('/api/me')).status, 200);
    });

    it('ends the old session without the lock past the wait limit, and revokes nothing', async () => {
      const browser = await signedIn();
      const oldId = sessionCookie(browser)!;
      const before = counts();
      const revokedBefore = control.revoked.length;
      const warned = logged(
        'a refresh of the session this browser held is still at work: ended without waiting for it',
      ).length;
      const gate = control.holdNextRefresh();
      const refreshing = refresh(browser, 1);
      await gate.entered;
      const callback = await toCallback(browser);
      const started = Date.now();
      // The refresh stays held (its lock kept alive): the callback gives up waiting for it.
      const callbackAnswer = await browser.fetch(callback);
      const waited = Date.now() - started;
      assert.equal(callbackAnswer.status, 303);
      assert.equal(
        new URL(callbackAnswer.headers.get('location')!, stack.origin).pathname,
        '/dashboard',
      );
      // Ended while the refresh is still held.
      const oldSession = await bff.store.getSession(oldId);
      gate.release();
      const refreshAnswer = await refreshing;
      await settle();

      // The holder found the session replaced: it dropped its new token, revoked nothing.
      const refreshed = await refresh(browser, 1);
      assert.equal(refreshed.status, 200, await refreshed.clone().text());
      assert.deepEqual(since(before), {
        codes: 1,
        refreshes: 2,
        revocations: 0,
        grantsRevoked: 0,
        grantErrors: 0,
      });
      assert.deepEqual(control.revoked.slice(revokedBefore), [], 'nothing revoked');

      assert.deepEqual(oldSession, { state: 'ended', reason: 'replaced' });
      assert.ok(waited >= WAIT_LIMIT_MS - 100, `the callback waited ${waited} ms`);
      assert.equal(refreshAnswer.status, 401);
      assert.deepEqual(await refreshAnswer.json(), {
        error: 'session_ended',
        reason: 'replaced',
        message: 'session ended (replaced): sign in again',
      });
      assert.equal(
        logged(
          'a refresh of the session this browser held is still at work: ended without waiting for it',
        ).length - warned,
        1,
      );
      assert.equal((await browser.call('/api/me')).status, 200);
    });

    it('revokes the refresh token the refresh in flight wrote when the old grant is separate', async () => {
      const browser = await signedIn();
      const oldId = sessionCookie(browser)!;
      const oldSid = await sidOf(oldId);
      const revokedBefore = control.revoked.length;
      const gate = control.holdNextRefresh();
      const refreshing = refresh(browser, 1);
      const { rotated } = await gate.entered;
      assert.ok(rotated, 'the provider rotated the refresh token');
      browser.forgetProviderSession();
      const callback = await toCallback(browser);
      const before = counts();
      const lockRefused = new Promise<'waited'>((resolve) => {
        control.onLockRefused = () => resolve('waited');
      });
      const completing = browser.fetch(callback);
      const first = await Promise.race([lockRefused, completing.then(() => 'completed' as const)]);
      control.onLockRefused = undefined;
      gate.release();
      const [refreshAnswer, callbackAnswer] = await Promise.all([refreshing, completing]);
      await settle();

      assert.equal(first, 'waited', 'the callback waited for the refresh in flight');
      assert.equal(refreshAnswer.status, 200, await refreshAnswer.clone().text());
      assert.equal(callbackAnswer.status, 303);
      const newId = sessionCookie(browser)!;
      assert.notEqual(await sidOf(newId), oldSid, 'another provider session');
      assert.deepEqual(await bff.store.getSession(oldId), { state: 'ended', reason: 'replaced' });
      // Read under the lock, after the refresh wrote: the newest refresh token of the old grant.
      assert.deepEqual(control.revoked.slice(revokedBefore), [rotated]);
      assert.deepEqual(since(before), {
        codes: 1,
        refreshes: 0,
        revocations: 1,
        grantsRevoked: 1,
        grantErrors: 0,
      });
      const refreshed = await refresh(browser, 1);
      assert.equal(refreshed.status, 200, 'the new session refreshes');
      assert.equal(since(before)['grantErrors'], 0);
    });
  });
}
