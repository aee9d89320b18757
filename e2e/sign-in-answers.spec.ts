import { Page } from '@playwright/test';

import { expect, expectDashboardLoaded, signIn, storedTokens, test } from './fixtures';
import { providerStats } from './helpers/provider-stats';

/** The main frame's navigations (full loads and history changes) from now on. */
function countNavigations(page: Page): { urls: string[] } {
  const seen = { urls: [] as string[] };
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) seen.urls.push(frame.url());
  });
  return seen;
}

test('sign-in answers only where they belong: /dashboard?error=x and /?code=a&state=b, signed in, stay where they are with the session intact', async ({
  page,
  traffic,
}) => {
  await signIn(page);
  await expectDashboardLoaded(page);
  const before = await storedTokens(page);
  expect(before).not.toBeNull();

  for (const [path, check] of [
    ['/dashboard?error=x', () => expectDashboardLoaded(page)],
    ['/dashboard?code=a&state=b', () => expectDashboardLoaded(page)],
    ['/?code=a&state=b', () => expect(page.getByRole('heading', { level: 1 })).toBeVisible()],
    [
      '/?error=access_denied&state=forged',
      () => expect(page.getByRole('heading', { level: 1 })).toBeVisible(),
    ],
  ] as const) {
    const navigations = countNavigations(page);
    await page.goto(path);
    await check();
    await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
    await expect(page.getByTestId('login-error')).toHaveCount(0);
    // The URL is the app's, untouched: no navigation anywhere else (no replaceState to /login).
    expect(new URL(page.url()).pathname + new URL(page.url()).search).toBe(path);
    expect(new Set(navigations.urls)).toEqual(new Set([new URL(path, page.url()).href]));
    await expect(page.getByTestId('signed-in-user')).toContainText('Alice Liddell');
    // The same session (a proactive refresh on the way may have renewed it: 8 s tokens).
    const now = await storedTokens(page);
    expect(now?.generation, `${path} kept the session`).toBeGreaterThanOrEqual(before!.generation);
  }

  // No code was redeemed beyond the one real sign-in, and nothing was refused.
  expect(traffic.tokenRequests.filter((grant) => grant === 'authorization_code')).toHaveLength(1);
  const stats = await providerStats();
  expect(stats.grants['authorization_code']).toBe(1);
  expect(stats.grantErrors).toEqual([]);
  expect(stats.authorizations).toBe(1);
});
