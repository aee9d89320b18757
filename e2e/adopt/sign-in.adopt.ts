import { expect, test } from '@playwright/test';

import { ALICE, fillProviderLogin } from '../fixtures';
import { providerStats, resetProviderStats } from '../helpers/provider-stats';
import { API, APP } from '../helpers/stack';

/**
 * The consumer app as `ng add` left it, in the mode of this run (playwright.consumer.config.ts):
 * its guarded example page sends the user to its login page, the sign-in at the dev provider
 * comes back to it, one API call goes through the interceptor (and, in BFF mode, the BFF's
 * proxy), and sign-out revokes the session's refresh token and is final.
 */
const mode = process.env['CONSUMER_MODE'] === 'bff' ? 'bff' : 'browser';

test(`${mode} mode: the guarded page signs in, calls the API and signs out`, async ({ page }) => {
  await resetProviderStats();
  const credentialsTo: string[] = [];
  const apiCalls: string[] = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (request.headers()['authorization']) credentialsTo.push(url.origin + url.pathname);
    if (url.pathname.endsWith('/me')) apiCalls.push(url.origin + url.pathname);
  });

  await page.goto('/account');
  await expect(page).toHaveURL(`${APP}/login?returnUrl=%2Faccount`);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await fillProviderLogin(page, ALICE);
  await expect(page).toHaveURL(`${APP}/account`);
  // The CLI's placeholder page (app.html) stays around the router outlet: its own h1 too.
  await expect(page.getByRole('heading', { name: 'Signed in as Alice Liddell' })).toBeVisible();

  await page.getByRole('button', { name: 'Call the API' }).click();
  await expect(page.getByTestId('api-answer')).toHaveText('{"sub":"alice","name":"Alice Liddell"}');
  // Browser mode sends the token to the API and nowhere else; in BFF mode no token is in the
  // browser at all, and the call goes to the BFF's proxy on the app's origin.
  expect(apiCalls).toEqual([mode === 'browser' ? `${API}/api/me` : `${APP}/api/me`]);
  expect(credentialsTo).toEqual(mode === 'browser' ? [`${API}/api/me`] : []);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(`${APP}/`);
  const stats = await providerStats();
  expect(stats.grants['authorization_code']).toBe(1);
  expect(stats.revocations).toBe(1);
  await page.goto('/account');
  await expect(page).toHaveURL(`${APP}/login?returnUrl=%2Faccount`);
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
});
