import { Page } from '@playwright/test';

import { providerStats } from '../helpers/provider-stats';
import { expect, expectDashboardLoaded, signIn, test } from './fixtures';

const pathAndQuery = (page: Page) => {
  const url = new URL(page.url());
  return url.pathname + url.search;
};

test('bff mode: ?error= on an app page, or on /login without a sign-in under way in this tab, is left to the app: session intact, URL untouched', async ({
  page,
}) => {
  await signIn(page);
  await expectDashboardLoaded(page);

  await page.goto('/dashboard?error=x');
  await expectDashboardLoaded(page);
  expect(pathAndQuery(page)).toBe('/dashboard?error=x');
  await expect(page.getByTestId('login-error')).toHaveCount(0);

  await page.goto('/login?error=login_failed');
  await expect(page.getByText('You are signed in as Alice Liddell')).toBeVisible();
  expect(pathAndQuery(page)).toBe('/login?error=login_failed');
  await expect(page.getByTestId('login-error')).toHaveCount(0);

  await page.goto('/dashboard');
  await expectDashboardLoaded(page);
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
  const stats = await providerStats();
  expect(stats.authorizations).toBe(1);
  expect(stats.grantErrors).toEqual([]);
});

test("bff mode: the BFF's error is shown on /login on the way back from this tab's own sign-in, once", async ({
  page,
}) => {
  // A link to the login page with an error, in a tab that started nothing: no error shown.
  await page.goto('/login?error=login_failed');
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  await expect(page.getByTestId('login-error')).toHaveCount(0);
  expect(pathAndQuery(page)).toBe('/login?error=login_failed');

  // This tab's own sign-in, failing at the BFF's callback (an answer for no sign-in it knows).
  await page.goto('/login');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByLabel('Username')).toBeVisible();
  await page.goto('/bff/callback?code=forged&state=forged');
  await expect(page.getByTestId('login-error')).toContainText(
    'did not match a sign-in started in this browser',
  );
  expect(pathAndQuery(page)).toBe('/login?returnUrl=%2F');

  // Used once: the same address loaded again shows nothing.
  await page.goto('/login?returnUrl=%2F&error=login_failed');
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  await expect(page.getByTestId('login-error')).toHaveCount(0);
});
