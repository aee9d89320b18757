import { Page, test as base, expect } from '@playwright/test';

import { resetProviderStats } from './helpers/provider-stats';
import { LEEWAY_MS } from './helpers/stack';
import { Traffic } from './helpers/traffic';

export { expect };

/**
 * Every test starts with fresh provider counters and watches the browser's traffic; after it,
 * no request outside the API allowlist may have carried an Authorization header.
 */
export const test = base.extend<{ traffic: Traffic }>({
  traffic: [
    async ({ context }, use) => {
      await resetProviderStats();
      const traffic = new Traffic(context);
      await use(traffic);
      await traffic.settled();
      expect(traffic.leaks, 'Authorization headers sent outside the API allowlist').toEqual([]);
    },
    { auto: true },
  ],
});

export interface Account {
  readonly username: string;
  readonly password: string;
}

export const ALICE: Account = { username: 'alice', password: 'wonderland' };
export const BOB: Account = { username: 'bob', password: 'builder' };

/** Signs in through the app's login page and the provider's real login form. */
export async function signIn(
  page: Page,
  from = '/dashboard',
  account: Account = ALICE,
): Promise<void> {
  await page.goto(from);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await fillProviderLogin(page, account);
  await page.waitForURL((url) => url.pathname + url.search === from);
}

export async function fillProviderLogin(page: Page, account: Account): Promise<void> {
  await page.getByLabel('Username').fill(account.username);
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

export const widgets = (page: Page) => page.getByTestId('widget');
export const loadedWidgets = (page: Page) =>
  page.locator('[data-testid="widget"][data-state="loaded"]');

/** Expects the dashboard with all six widgets loaded. */
export async function expectDashboardLoaded(page: Page): Promise<void> {
  await expect(widgets(page)).toHaveCount(6);
  await expect(loadedWidgets(page)).toHaveCount(6);
}

/** Opens another tab of the same browser on /dashboard and waits until it has loaded. */
export async function openDashboardTab(page: Page): Promise<Page> {
  const tab = await page.context().newPage();
  await tab.goto('/dashboard');
  await expectDashboardLoaded(tab);
  return tab;
}

/**
 * The session this tab holds (sessionStorage), or null: the state's fields with browser mode's
 * credentials (the tokens) spread in.
 */
export function storedTokens(page: Page): Promise<{
  accessToken: string;
  refreshToken: string | null;
  tokenType: string | null;
  expiresAt: number;
  receivedAt: number;
  generation: number;
} | null> {
  return page.evaluate(() => {
    const state = JSON.parse(sessionStorage.getItem('oidc-session.tokens') ?? 'null');
    return state && { ...state, ...state.credentials };
  });
}

/** Waits until the access token this tab holds has really expired (server side too). */
export async function waitForExpiry(page: Page): Promise<void> {
  const tokens = await storedTokens(page);
  if (!tokens) throw new Error('waitForExpiry: not signed in');
  await page.waitForFunction((expiresAt) => Date.now() > expiresAt + 250, tokens.expiresAt, {
    timeout: 60_000,
    polling: 100,
  });
}

/** Waits until the app itself considers the access token due for a refresh (inside the leeway). */
export async function waitUntilDue(page: Page): Promise<void> {
  const tokens = await storedTokens(page);
  if (!tokens) throw new Error('waitUntilDue: not signed in');
  await page.waitForFunction(
    ([expiresAt, leeway]) => Date.now() > expiresAt - leeway + 100,
    [tokens.expiresAt, LEEWAY_MS],
    {
      timeout: 60_000,
      polling: 100,
    },
  );
}

/** Clicks Reload and waits until all six widgets have answered again (loaded or not). */
export async function reloadDashboard(
  page: Page,
  traffic: { apiResponses: unknown[] },
): Promise<void> {
  const before = traffic.apiResponses.length;
  await page.getByRole('button', { name: 'Reload' }).click();
  await expect
    .poll(() => traffic.apiResponses.length, { timeout: 20_000 })
    .toBeGreaterThanOrEqual(before + 6);
  await expect(page.locator('[data-testid="widget"][data-state="loading"]')).toHaveCount(0, {
    timeout: 20_000,
  });
}
