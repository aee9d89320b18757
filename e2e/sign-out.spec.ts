import { Page, Request } from '@playwright/test';

import {
  expect,
  expectDashboardLoaded,
  openDashboardTab,
  signIn,
  storedTokens,
  test,
  waitForExpiry,
} from './fixtures';
import { providerStats } from './helpers/provider-stats';
import { ISSUER } from './helpers/stack';

/** Refresh tokens this page sent to the provider's revocation endpoint. */
function revokedBy(page: Page): string[] {
  const revoked: string[] = [];
  page.on('request', (request: Request) => {
    if (request.url().startsWith(`${ISSUER}/token/revocation`) && request.method() === 'POST') {
      revoked.push(new URLSearchParams(request.postData() ?? '').get('token') ?? '');
    }
  });
  return revoked;
}

test("signing out in tab B while tab A's refresh answer is held back keeps both tabs signed out, and A revokes the late token", async ({
  page,
}) => {
  await signIn(page);
  await expectDashboardLoaded(page);
  const other = await openDashboardTab(page);
  const revokedByA = revokedBy(page);

  // Tab A's refresh reaches the provider, which rotates the token and answers; the browser
  // gets the answer only when the test lets it go.
  let lateRefreshToken = '';
  let releaseAnswer!: () => void;
  const released = new Promise<void>((resolve) => (releaseAnswer = resolve));
  let answered!: () => void;
  const providerAnswered = new Promise<void>((resolve) => (answered = resolve));
  await page.route(`${ISSUER}/token`, async (route) => {
    const response = await route.fetch();
    const body = await response.text();
    if (
      new URLSearchParams(route.request().postData() ?? '').get('grant_type') === 'refresh_token'
    ) {
      lateRefreshToken = (JSON.parse(body) as { refresh_token: string }).refresh_token;
      answered();
      await released;
    }
    await route.fulfill({ response, body });
  });

  await waitForExpiry(page);
  await page.getByRole('button', { name: 'Reload' }).click();
  await providerAnswered;

  await other.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByTestId('signed-out')).toBeVisible({ timeout: 1_000 });
  await expect(other.getByTestId('signed-out')).toBeVisible();

  releaseAnswer();
  await expect.poll(() => revokedByA, { timeout: 5_000 }).toContain(lateRefreshToken);
  for (const tab of [page, other]) {
    await expect(tab.getByRole('button', { name: 'Sign out' })).toHaveCount(0);
    expect(await storedTokens(tab)).toBeNull();
  }
  await page.goto('/dashboard');
  await expect(page).toHaveURL(/\/login\?returnUrl=%2Fdashboard$/);
  expect((await providerStats()).revocations).toBe(2);
});

test('after a sign-out the home page says the user is signed out, once', async ({ page }) => {
  await signIn(page);
  await expectDashboardLoaded(page);
  await page.getByRole('button', { name: 'Sign out' }).click();
  // The provider's end-session page sends the browser back to the post-logout URI, `/`.
  await expect(page).toHaveURL(/localhost:\d+\/$/);
  await expect(page.getByTestId('sign-out-notice')).toContainText(
    'You are signed out of this app.',
  );
  await expect(page.getByTestId('signed-out')).toBeVisible();
  await page.reload();
  await expect(page.getByTestId('signed-out')).toBeVisible();
  await expect(page.getByTestId('sign-out-notice')).toHaveCount(0);
});
