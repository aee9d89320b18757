import { Page, expect } from '@playwright/test';

import { ALICE, fillProviderLogin, signIn } from '../fixtures';
import { apiStats, refreshCount } from './provider-stats';
import { ACCESS_TOKEN_TTL_MS, E2E_ENV } from './stack';

/** The one-time code of every demo account (contract, "Step-up"). */
const ONE_TIME_CODE = '123456';
const PAYMENTS_MAX_AGE_MS = Number(E2E_ENV.PAYMENTS_MAX_AGE) * 1000;

export const verifyButton = (page: Page) => page.getByRole('button', { name: "Verify it's you" });
export const payments = (page: Page) => page.getByTestId('payment');

/**
 * At the provider after "Verify it's you": the one-time code, after the password when the last
 * sign-in is older than the step-up's max_age (a slow machine can take that long).
 */
export async function completeStepUp(page: Page): Promise<void> {
  const code = page.getByLabel('One-time code');
  await expect(code.or(page.getByLabel('Username'))).toBeVisible();
  if (!(await code.isVisible())) await fillProviderLogin(page, ALICE);
  await code.fill(ONE_TIME_CODE);
  await page.getByRole('button', { name: 'Verify' }).click();
}

/**
 * The whole step-up story of the contract, the same in both modes: the challenge (no refresh, no
 * retry), the one-time code, back on /payments with the data, a second tab that stays signed in
 * on the newer version, payments still served after the access token was refreshed, and asked
 * again once max_age has passed.
 */
export async function stepUpStory(
  page: Page,
  mode: {
    /** The session version a tab holds (browser mode: its generation; BFF mode: the BFF's). */
    readonly version: (tab: Page) => Promise<number>;
    /**
     * The requests for /api/payments a page load that meets the challenge makes: 1, or 2 where the
     * page is rendered on the server first (BFF mode: Angular's transfer cache carries answers to
     * the browser, not errors, so the browser asks again).
     */
    readonly challengeRequests: 1 | 2;
    /** Called right before "Verify it's you" and again back on /payments. */
    readonly checkpoint?: (moment: 'before' | 'after') => Promise<void>;
  },
): Promise<void> {
  const checkpoint = mode.checkpoint ?? (async () => undefined);
  await signIn(page, '/payments');
  await expect(verifyButton(page)).toBeVisible();
  await expect(page.getByTestId('step-up-required')).toContainText('one-time code');
  // The challenge was answered as it came: one request, no refresh, no retry.
  expect(await refreshCount(), 'refreshes for the challenge').toBe(0);
  const challenged = await apiStats();
  expect(challenged.byPath['/api/payments'], 'requests for /api/payments').toBe(
    mode.challengeRequests,
  );
  expect(challenged.unauthorized['insufficient_user_authentication']).toBe(mode.challengeRequests);

  const other = await page.context().newPage();
  await other.goto('/session');
  await expect(other.getByTestId('panel-user')).toHaveText('Alice Liddell');
  const versionBefore = await mode.version(other);

  await checkpoint('before');
  await verifyButton(page).click();
  await completeStepUp(page);
  const steppedUpAt = Date.now();
  await page.waitForURL((url) => url.pathname === '/payments');
  await expect(payments(page)).toHaveCount(2);
  await expect(verifyButton(page)).toHaveCount(0);
  expect((await apiStats()).byPath['/api/payments'], 'refused, then served once').toBe(
    mode.challengeRequests + 1,
  );
  await checkpoint('after');

  // The other tab was never signed out: it shows the newer session and its calls keep working.
  await expect
    .poll(() => mode.version(other), { message: 'the other tab adopts the stepped-up session' })
    .toBeGreaterThan(versionBefore);
  await expect(other.getByTestId('signed-in-user')).toBeVisible();
  await other.getByRole('link', { name: 'Dashboard' }).click();
  await expect(other.locator('[data-testid="widget"][data-state="loaded"]')).toHaveCount(6);

  // The access token expires and is refreshed: the refreshed one still carries the step-up.
  const refreshesBefore = await refreshCount();
  await page.waitForTimeout(Math.max(0, steppedUpAt + ACCESS_TOKEN_TTL_MS + 500 - Date.now()));
  await page.getByRole('link', { name: 'Profile' }).click();
  await page.getByRole('link', { name: 'Payments' }).click();
  await expect(payments(page)).toHaveCount(2);
  expect(await refreshCount(), 'refreshed after expiry').toBeGreaterThan(refreshesBefore);
  await expect(verifyButton(page)).toHaveCount(0);

  // Once max_age has passed, the API asks again, and so does the page.
  await page.waitForTimeout(Math.max(0, steppedUpAt + PAYMENTS_MAX_AGE_MS + 1_000 - Date.now()));
  await page.getByRole('link', { name: 'Profile' }).click();
  await page.getByRole('link', { name: 'Payments' }).click();
  await expect(verifyButton(page)).toBeVisible();
  await other.close();
}
