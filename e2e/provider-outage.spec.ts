import { BrowserContext, Page } from '@playwright/test';

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
import { API, ISSUER } from './helpers/stack';
import { libraryChunk } from './helpers/build';

/** Every request the context makes, in order. */
function recordRequests(context: BrowserContext): string[] {
  const urls: string[] = [];
  context.on('request', (request) => urls.push(request.url()));
  return urls;
}

/** The provider is down: every request to it fails as if the host were unreachable. */
async function providerDown(context: BrowserContext): Promise<() => Promise<void>> {
  const pattern = `${ISSUER}/**`;
  await context.route(pattern, (route) => route.abort('connectionrefused'));
  return () => context.unroute(pattern);
}

const signedIn = (page: Page) => page.getByTestId('signed-in-user');

test('a reload with a valid session asks the provider nothing before its first API request, and loads no sign-in code', async ({
  page,
  context,
}) => {
  const chunk = libraryChunk();
  await signIn(page);
  await expectDashboardLoaded(page);
  const requests = recordRequests(context);

  await page.reload();
  await expectDashboardLoaded(page);

  const firstApiCall = requests.findIndex((url) => url.startsWith(`${API}/api/`));
  expect(firstApiCall).toBeGreaterThan(-1);
  expect(requests.slice(0, firstApiCall).filter((url) => url.startsWith(ISSUER))).toEqual([]);
  expect(requests.filter((url) => url.startsWith(ISSUER))).toEqual([]);
  expect(requests.filter((url) => url.endsWith(chunk))).toEqual([]);
});

test('with the provider unreachable a signed-in reload still shows the dashboard; after expiry the session is kept and recovers when the provider is back', async ({
  page,
  context,
  traffic,
}) => {
  await signIn(page);
  await expectDashboardLoaded(page);
  const providerBack = await providerDown(context);

  await page.reload();
  await expectDashboardLoaded(page);

  await waitForExpiry(page);
  // The refresh cannot reach the provider: the requests fail before reaching the API.
  await page.getByRole('button', { name: 'Reload' }).click();
  await expect(page.locator('[data-testid="widget"][data-state="error"]')).toHaveCount(6, {
    timeout: 20_000,
  });
  await expect(signedIn(page)).toBeVisible();
  expect(await storedTokens(page)).not.toBeNull();
  expect(await refreshCount()).toBe(0);

  await providerBack();
  await reloadDashboard(page, traffic);
  await expectDashboardLoaded(page);
  expect(await refreshCount()).toBe(1);
  expect((await providerStats()).authorizations).toBe(1); // the first sign-in only
});

test('the login page says when the provider cannot be reached, and its retry works once it is back', async ({
  page,
  context,
}) => {
  const providerBack = await providerDown(context);
  await page.goto('/login?returnUrl=%2Fprofile');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('provider-unreachable')).toBeVisible();
  await expect(page).toHaveURL(/\/login/);

  await providerBack();
  await page.getByRole('button', { name: 'Try again' }).click();
  await expect(page.getByLabel('Username')).toBeVisible(); // the provider's own login page
});

test('signing out while the provider is unreachable signs every tab out and says the provider session may still be open', async ({
  page,
  context,
}) => {
  await signIn(page);
  await expectDashboardLoaded(page);
  const other = await openDashboardTab(page);
  await providerDown(context);

  await page.getByRole('button', { name: 'Sign out' }).click();
  for (const tab of [page, other]) {
    await expect(tab.getByTestId('signed-out')).toBeVisible();
    expect(await storedTokens(tab)).toBeNull();
  }
  await expect(page.getByTestId('sign-out-notice')).toContainText(
    'your session there may still be open',
  );
});
