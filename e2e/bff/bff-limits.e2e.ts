import type { APIResponse } from '@playwright/test';

import { ALICE, fillProviderLogin } from '../fixtures';
import { APP, ISSUER } from '../helpers/stack';
import { E2E_LIMITS } from '../../scripts/bff-env.mjs';
import { expect, expectDashboardLoaded, test } from './fixtures';

// The e2e BFF trusts loopback proxies (E2E_LIMITS): this file's flood comes from an address of
// its own through X-Forwarded-For, a new one each run, so it spends only that address's limits and
// the other tests (and files after this one), all from loopback, are never throttled by it.
const flooder = () => `203.0.113.${1 + Math.floor(Math.random() * 254)}`;
const PENDING_PER_CLIENT = Number(E2E_LIMITS.BFF_LOGIN_PENDING_PER_CLIENT);
const LOGINS_PER_WINDOW = Number(E2E_LIMITS.BFF_RATE_LIMIT_LOGIN);

test('a flood of anonymous /bff/login from one address is refused past its limits, and a sign-in started before it completes', async ({
  page,
  request,
}) => {
  // A real user starts signing in: the BFF holds their sign-in in progress.
  await page.goto('/dashboard');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByLabel('Username')).toBeVisible();

  const address = flooder();
  const flood = LOGINS_PER_WINDOW + 100;
  const answers: APIResponse[] = [];
  for (let sent = 0; sent < flood; sent += 25) {
    const batch = Array.from({ length: Math.min(25, flood - sent) }, () =>
      request.get(`${APP}/bff/login?returnUrl=/dashboard`, {
        maxRedirects: 0,
        headers: { 'x-forwarded-for': address },
      }),
    );
    answers.push(...(await Promise.all(batch)));
  }
  const toProvider = answers.filter(
    (answer) => answer.status() === 303 && answer.headers()['location']?.startsWith(ISSUER),
  );
  const refused = answers.filter((answer) => answer.status() === 429);
  // The first PENDING_PER_CLIENT are stored; the rest are refused (by the bound on sign-ins in
  // progress, then, past LOGINS_PER_WINDOW, by the rate limit): 429 every time, never a 5xx.
  expect(toProvider).toHaveLength(PENDING_PER_CLIENT);
  expect(refused).toHaveLength(flood - PENDING_PER_CLIENT);
  const last = refused.at(-1)!;
  expect(last.headers()['x-bff-source']).toBe('bff');
  expect(Number(last.headers()['retry-after'])).toBeGreaterThanOrEqual(1);
  expect(await last.json()).toEqual(expect.objectContaining({ error: 'rate_limited' }));

  // The user's sign-in, started before the flood, completes after it.
  await fillProviderLogin(page, ALICE);
  await page.waitForURL(`${APP}/dashboard`);
  await expectDashboardLoaded(page);
});

test('a browser sent past the limit lands on the login page, which says why', async ({ page }) => {
  const address = flooder();
  await page.setExtraHTTPHeaders({ 'x-forwarded-for': address });
  // Spend this address's sign-ins in progress, as a browser's navigations would.
  for (let i = 0; i < PENDING_PER_CLIENT; i += 1) {
    const answer = await page.request.get(`${APP}/bff/login?returnUrl=/profile`, {
      maxRedirects: 0,
      headers: { 'x-forwarded-for': address },
    });
    expect(answer.status()).toBe(303);
  }
  // The user presses Sign in (the tab marks its sign-in, so the answer on /login is its own).
  await page.goto('/login?returnUrl=%2Fprofile');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/login\?returnUrl=%2Fprofile$/);
  await expect(page.getByText('too many sign-in attempts from your network')).toBeVisible();
});
