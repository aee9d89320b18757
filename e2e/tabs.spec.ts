import { Page } from '@playwright/test';

import {
  expect,
  expectDashboardLoaded,
  openDashboardTab,
  signIn,
  storedTokens,
  test,
  waitForExpiry,
} from './fixtures';
import { providerStats, redeemRefreshToken, refreshCount } from './helpers/provider-stats';
import { Traffic } from './helpers/traffic';
import { ISSUER } from './helpers/stack';

/** Presses Reload in every tab at once and waits until each has its six answers. */
async function reloadTogether(tabs: Page[], traffic: Traffic): Promise<void> {
  const before = traffic.apiResponses.length;
  await Promise.all(tabs.map((tab) => tab.getByRole('button', { name: 'Reload' }).click()));
  await expect
    .poll(() => traffic.apiResponses.length, { timeout: 30_000 })
    .toBeGreaterThanOrEqual(before + 6 * tabs.length);
}

test('a second tab opened on /dashboard joins the session without visiting the provider', async ({
  page,
  traffic,
}) => {
  await signIn(page);
  await expectDashboardLoaded(page);
  const tokenRequests = traffic.tokenRequests.length;

  const second = await openDashboardTab(page);

  await expect(second.getByTestId('signed-in-user')).toContainText('Alice Liddell');
  expect(traffic.authorizations.length).toBe(1);
  expect(traffic.tokenRequests.length).toBe(tokenRequests);
  expect((await storedTokens(second))?.accessToken).toBe((await storedTokens(page))?.accessToken);
});

for (const count of [2, 4]) {
  test(`${count} tabs pressing Reload together after expiry make exactly one refresh, and every tab loads`, async ({
    page,
    traffic,
  }) => {
    await signIn(page);
    await expectDashboardLoaded(page);
    const tabs = [page];
    while (tabs.length < count) tabs.push(await openDashboardTab(page));
    await waitForExpiry(page);

    await reloadTogether(tabs, traffic);

    for (const tab of tabs) {
      await expectDashboardLoaded(tab);
      await expect(tab).toHaveURL(/\/dashboard$/);
    }
    expect(await refreshCount()).toBe(1);
    expect(traffic.refreshRequests).toBe(1);
    expect(traffic.api401s()).toBe(0);
    const accessTokens = await Promise.all(
      tabs.map(async (tab) => (await storedTokens(tab))?.accessToken),
    );
    expect(new Set(accessTokens).size).toBe(1);
  });
}

test('a window.open twin (copied sessionStorage) and its opener, reloading together across two expiries, stay signed in without a replay', async ({
  page,
  traffic,
}) => {
  test.setTimeout(120_000);
  await signIn(page);
  await expectDashboardLoaded(page);
  const [twin] = await Promise.all([
    page.context().waitForEvent('page'),
    page.evaluate(() => window.open('/dashboard')),
  ]);
  await expectDashboardLoaded(twin);
  expect((await storedTokens(twin))?.refreshToken).toBe((await storedTokens(page))?.refreshToken);

  for (let expiry = 1; expiry <= 2; expiry++) {
    await waitForExpiry(page);
    await reloadTogether([page, twin], traffic);
    await expectDashboardLoaded(page);
    await expectDashboardLoaded(twin);
  }

  const stats = await providerStats();
  expect(stats.grantErrors.filter((error) => error.replayedRefreshToken)).toEqual([]);
  expect(stats.grantErrors).toEqual([]);
  expect(stats.grants['refresh_token']).toBe(2);
  for (const tab of [page, twin]) {
    await expect(tab).toHaveURL(/\/dashboard$/);
    await expect(tab.getByTestId('signed-in-user')).toBeVisible();
  }
});

test('Sign out in one of three tabs signs all three out within a second and revokes the refresh token', async ({
  page,
}) => {
  await signIn(page);
  await expectDashboardLoaded(page);
  const others = [await openDashboardTab(page), await openDashboardTab(page)];
  const captured = (await storedTokens(page))!.refreshToken!;

  const started = Date.now();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await Promise.all(
    others.map((tab) => expect(tab.getByTestId('signed-out')).toBeVisible({ timeout: 1_000 })),
  );
  expect(Date.now() - started).toBeLessThan(1_000);

  for (const tab of others) {
    expect(await storedTokens(tab)).toBeNull();
    await expect(tab).not.toHaveURL(/\/dashboard$/); // a guarded page does not stay on screen
  }
  await expect(page).toHaveURL(/localhost:\d+\/$/); // back from the provider's end-session endpoint
  await expect(page.getByTestId('signed-out')).toBeVisible();

  const stats = await providerStats();
  expect(stats.revocations).toBe(1);
  expect(stats.endSessions).toBe(1);
  const replay = await redeemRefreshToken(captured);
  expect(replay.status).toBe(400);
  expect(replay.body['error']).toBe('invalid_grant');
});

test('a definitive refresh failure in one tab clears every tab', async ({ page }) => {
  await signIn(page);
  await expectDashboardLoaded(page);
  const other = await openDashboardTab(page);
  // Revoke the app's refresh token behind its back, so the provider refuses its next refresh.
  // (Spending it from here is no longer possible: it is DPoP-bound to the tab's key.)
  const { refreshToken } = (await storedTokens(page))!;
  const revoked = await fetch(`${ISSUER}/token/revocation`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: refreshToken!, client_id: 'demo-spa' }),
  });
  expect(revoked.status).toBe(200);
  await waitForExpiry(page);

  await page.getByRole('button', { name: 'Reload' }).click();

  await expect(page).toHaveURL(/\/login\?returnUrl=%2Fdashboard$/);
  await expect(other).toHaveURL(/\/login\?returnUrl=%2Fdashboard$/);
  expect(await storedTokens(other)).toBeNull();
});
