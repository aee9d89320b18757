import { readFileSync } from 'node:fs';

import { expect, test } from '@playwright/test';

import { REFUSED_BFF_LOG, WRONG_SECRET } from '../../playwright.bff-refused.config';
import { fillProviderLogin } from '../fixtures';

test('a client the provider refuses: the login page names the likely cause and the doctor check', async ({
  page,
}) => {
  await page.goto('/login?returnUrl=%2Fprofile');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await fillProviderLogin(page, { username: 'alice', password: 'wonderland' });

  await page.waitForURL((url) => url.pathname === '/login');
  await expect(page.getByTestId('login-error')).toContainText(
    "refused the BFF's client credentials (invalid_client)",
  );
  await expect(page.getByTestId('login-diagnosis')).toContainText('OIDC_CLIENT_AUTH');
  await expect(page.getByTestId('login-diagnosis')).toContainText('client-auth');
  // The reason was read and removed from the address bar; the return path stays.
  expect(new URL(page.url()).searchParams.get('error')).toBeNull();
  expect(new URL(page.url()).searchParams.get('returnUrl')).toBe('/profile');
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();

  // The BFF's log has the provider's answer, never the secret.
  await expect
    .poll(() => readFileSync(REFUSED_BFF_LOG, 'utf8'))
    .toMatch(/"status":401.*"error":"invalid_client"|"error":"invalid_client".*"status":401/);
  const log = readFileSync(REFUSED_BFF_LOG, 'utf8');
  expect(log).toContain('sign-in failed: client_refused');
  expect(log).not.toContain(WRONG_SECRET);
});
