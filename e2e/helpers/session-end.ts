import { BrowserContext, Page, expect } from '@playwright/test';

import { signIn } from '../fixtures';

/** How long before the end the warning shows, in these tests (auth.config.json's `sessionWarningSeconds`). */
export const WARNING_SECONDS = 8;

export const warning = (page: Page) => page.getByTestId('session-ending-warning');

/**
 * Serves the app's configuration with these fields added, to every tab of `context` (the idle
 * timeout and the warning of these tests; the rest as deployed).
 */
export async function configureSessionEnd(
  context: BrowserContext,
  fields: Record<string, unknown>,
): Promise<void> {
  await context.route('**/auth.config.json', async (route) => {
    const deployed = (await (await route.fetch()).json()) as Record<string, unknown>;
    await route.fulfill({
      json: { ...deployed, sessionWarningSeconds: WARNING_SECONDS, ...fields },
    });
  });
}

/**
 * The contract's story of an idle end, the same in both modes: two tabs on guarded pages; the
 * warning appears in both before the end; **Stay signed in** in one keeps the session and the
 * pages in both; then, with nothing done, the session ends in both tabs, each on
 * `/login?returnUrl=<its page>`.
 */
export async function idleEndStory(page: Page): Promise<void> {
  await signIn(page, '/dashboard');
  const other = await page.context().newPage();
  await other.goto('/profile');
  await expect(other.getByTestId('profile-name')).toHaveText('Alice Liddell');

  for (const tab of [page, other]) {
    await expect(warning(tab)).toBeVisible({ timeout: 30_000 });
    await expect(warning(tab)).toHaveAttribute('data-reason', 'idle');
    await expect(warning(tab).getByRole('button', { name: 'Stay signed in' })).toBeFocused();
  }
  await warning(other).getByRole('button', { name: 'Stay signed in' }).click();
  for (const tab of [page, other]) await expect(warning(tab)).toBeHidden();
  expect(new URL(page.url()).pathname).toBe('/dashboard');
  expect(new URL(other.url()).pathname).toBe('/profile');
  await expect(page.getByTestId('signed-in-user')).toBeVisible();

  // Nothing more: the warning comes back, then the end, in every tab, with its return path.
  await expect(warning(page)).toBeVisible({ timeout: 30_000 });
  await page.waitForURL((url) => url.pathname === '/login', { timeout: 30_000 });
  await other.waitForURL((url) => url.pathname === '/login', { timeout: 30_000 });
  expect(new URL(page.url()).searchParams.get('returnUrl')).toBe('/dashboard');
  expect(new URL(other.url()).searchParams.get('returnUrl')).toBe('/profile');
  for (const tab of [page, other]) {
    await expect(tab.getByTestId('signed-out')).toBeVisible();
    await expect(warning(tab)).toBeHidden();
  }
  await other.close();
}
