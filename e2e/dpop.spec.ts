import { Page } from '@playwright/test';
import { generateKeyPair, generateProof } from 'dpop';

import {
  expect,
  expectDashboardLoaded,
  openDashboardTab,
  reloadDashboard,
  signIn,
  storedTokens,
  test,
  waitForExpiry,
} from './fixtures';
import { providerStats, refreshCount } from './helpers/provider-stats';
import { API, ISSUER, isAllowedApi } from './helpers/stack';

/** The app's key record in IndexedDB (its id), or null; never creates the database. */
function storedKeyId(page: Page): Promise<string | null> {
  return page.evaluate(async () => {
    const databases = await indexedDB.databases();
    if (!databases.some((db) => db.name === 'oidc-session.dpop')) return null;
    return new Promise<string | null>((resolve, reject) => {
      const open = indexedDB.open('oidc-session.dpop');
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        const db = open.result;
        if (!db.objectStoreNames.contains('keys')) {
          db.close();
          resolve(null);
          return;
        }
        const get = db.transaction('keys').objectStore('keys').get('current');
        get.onsuccess = () => {
          db.close();
          resolve((get.result as { id: string } | undefined)?.id ?? null);
        };
        get.onerror = () => reject(get.error);
      };
    });
  });
}

/** The thumbprint an access token is bound to (`cnf.jkt`), read without verifying. */
function boundThumbprint(accessToken: string): string | undefined {
  const payload = JSON.parse(Buffer.from(accessToken.split('.')[1], 'base64url').toString()) as {
    cnf?: { jkt?: string };
  };
  return payload.cnf?.jkt;
}

/** What the page sent to the API: the scheme and the proof's jti of every request. */
function watchApiRequests(page: Page): { scheme: string; jti: string | null }[] {
  const seen: { scheme: string; jti: string | null }[] = [];
  page.on('request', (request) => {
    if (!isAllowedApi(request.url()) || request.method() === 'OPTIONS') return;
    const headers = request.headers();
    const proof = headers['dpop'];
    const claims = proof
      ? (JSON.parse(Buffer.from(proof.split('.')[1], 'base64url').toString()) as { jti: string })
      : null;
    seen.push({ scheme: (headers['authorization'] ?? '').split(' ')[0], jti: claims?.jti ?? null });
  });
  return seen;
}

test('with DPoP on, sign-in, reload and a refresh after expiry work with bound tokens, a fresh proof per request and no grant error', async ({
  page,
  traffic,
}) => {
  const sent = watchApiRequests(page);
  await signIn(page);
  await expectDashboardLoaded(page);
  const tokens = (await storedTokens(page)) as { accessToken: string; tokenType?: string };
  expect(tokens.tokenType).toBe('DPoP');
  expect(boundThumbprint(tokens.accessToken)).toBeTruthy();

  await page.reload();
  await expectDashboardLoaded(page);
  await waitForExpiry(page);
  await reloadDashboard(page, traffic);
  await expectDashboardLoaded(page);

  expect(await refreshCount()).toBe(1);
  expect((await providerStats()).grantErrors).toEqual([]);
  expect(sent.length).toBeGreaterThanOrEqual(18);
  expect(sent.every((request) => request.scheme === 'DPoP' && request.jti !== null)).toBe(true);
  expect(new Set(sent.map((request) => request.jti)).size).toBe(sent.length);
});

test('two tabs and a window.open twin share one key and stay signed in across an expiry, with no grant error', async ({
  page,
  context,
  traffic,
}) => {
  await signIn(page);
  await expectDashboardLoaded(page);
  const second = await openDashboardTab(page);
  const [twin] = await Promise.all([
    context.waitForEvent('page'),
    page.evaluate(() => window.open('/dashboard')),
  ]);
  await expectDashboardLoaded(twin);
  const tabs = [page, second, twin];
  const keyIds = await Promise.all(tabs.map(storedKeyId));
  expect(keyIds[0]).toBeTruthy();
  expect(new Set(keyIds).size).toBe(1);

  await waitForExpiry(page);
  for (const tab of tabs) {
    await reloadDashboard(tab, traffic);
    await expectDashboardLoaded(tab);
  }
  const stats = await providerStats();
  expect(stats.grantErrors).toEqual([]);
  expect(stats.grants['refresh_token']).toBeGreaterThanOrEqual(1);
  expect(traffic.api401s()).toBe(0);
});

test('tokens copied out of the tab are useless elsewhere: the API refuses them as Bearer, without a proof and with another key; the refresh token gets invalid_grant', async ({
  page,
}) => {
  await signIn(page);
  await expectDashboardLoaded(page);
  const { accessToken, refreshToken } = (await storedTokens(page))!;
  const me = `${API}/api/me`;
  const otherKey = await generateKeyPair('ES256');

  const asBearer = await fetch(me, { headers: { authorization: `Bearer ${accessToken}` } });
  const withoutProof = await fetch(me, { headers: { authorization: `DPoP ${accessToken}` } });
  const otherProof = await fetch(me, {
    headers: {
      authorization: `DPoP ${accessToken}`,
      dpop: await generateProof(otherKey, me, 'GET', undefined, accessToken),
    },
  });
  expect([asBearer.status, withoutProof.status, otherProof.status]).toEqual([401, 401, 401]);

  const tokenUrl = `${ISSUER}/token`;
  const body = new URLSearchParams({
    grant_type: 'refresh_token',
    refresh_token: refreshToken!,
    client_id: 'demo-spa',
  });
  const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
  const noKey = await fetch(tokenUrl, { method: 'POST', headers: form, body });
  const anotherKey = await fetch(tokenUrl, {
    method: 'POST',
    headers: { ...form, dpop: await generateProof(otherKey, tokenUrl, 'POST') },
    body,
  });
  expect(noKey.status).toBe(400);
  expect(((await noKey.json()) as { error: string }).error).toBe('invalid_grant');
  expect(anotherKey.status).toBe(400);
  expect(((await anotherKey.json()) as { error: string }).error).toBe('invalid_grant');

  // The tab itself, holding the key, still refreshes with that refresh token.
  await waitForExpiry(page);
  await page.getByRole('button', { name: 'Reload' }).click();
  await expectDashboardLoaded(page);
  expect(await refreshCount()).toBe(1);
});

test('sign-out deletes the key in every tab, and the next sign-in binds its tokens to a new key', async ({
  page,
}) => {
  await signIn(page);
  await expectDashboardLoaded(page);
  const firstThumbprint = boundThumbprint((await storedTokens(page))!.accessToken);
  const second = await openDashboardTab(page);
  expect(await storedKeyId(second)).toBeTruthy();

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(second.getByRole('button', { name: 'Sign out' })).toHaveCount(0);
  await expect(page).toHaveURL(/localhost:\d+\/$/); // back from the provider's end-session endpoint
  for (const tab of [page, second]) {
    await expect.poll(() => storedKeyId(tab)).toBeNull();
  }

  await signIn(second);
  await expectDashboardLoaded(second);
  const secondThumbprint = boundThumbprint((await storedTokens(second))!.accessToken);
  expect(secondThumbprint).toBeTruthy();
  expect(secondThumbprint).not.toBe(firstThumbprint);
  expect((await providerStats()).grantErrors).toEqual([]);
});

test("a sign-in started in another tab and abandoned at the provider's login page leaves the live session's key alone: its next refresh succeeds", async ({
  page,
  context,
  traffic,
}) => {
  await signIn(page);
  await expectDashboardLoaded(page);
  const liveKey = await storedKeyId(page);
  const boundTo = boundThumbprint((await storedTokens(page))!.accessToken);
  expect(liveKey).toBeTruthy();

  // Tab B must show a Sign in button while tab A holds the session: B has no BroadcastChannel
  // (the app's fallback then keeps each tab on a session of its own), so it starts signed out,
  // while it shares IndexedDB, and so the DPoP key store, with A.
  const tabB = await context.newPage();
  await tabB.addInitScript(() => {
    delete (globalThis as { BroadcastChannel?: unknown }).BroadcastChannel;
  });
  // The provider's own session has ended meanwhile, so it asks for the password again (the
  // app keeps nothing in cookies in browser mode).
  await context.clearCookies();
  await tabB.goto('/login');
  await tabB.getByRole('button', { name: 'Sign in' }).click();
  await expect(tabB.getByLabel('Username')).toBeVisible(); // the provider's login page
  await tabB.close(); // abandoned

  await waitForExpiry(page);
  await reloadDashboard(page, traffic);
  await expectDashboardLoaded(page);
  expect(await refreshCount()).toBe(1);
  const stats = await providerStats();
  expect(stats.grantErrors).toEqual([]);
  expect(stats.authorizations).toBe(2);
  const refreshed = (await storedTokens(page)) as { accessToken: string; tokenType?: string };
  expect(refreshed.tokenType).toBe('DPoP');
  expect(boundThumbprint(refreshed.accessToken)).toBe(boundTo);
  expect(await storedKeyId(page), 'the key every tab shares').toBe(liveKey);
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
});
