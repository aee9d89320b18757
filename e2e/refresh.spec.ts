import {
  expect,
  expectDashboardLoaded,
  loadedWidgets,
  reloadDashboard,
  signIn,
  storedTokens,
  test,
  waitForExpiry,
  waitUntilDue,
} from './fixtures';
import { CORS_HEADERS } from './helpers/cors';
import { providerStats, refreshCount } from './helpers/provider-stats';
import { ACCESS_TOKEN_TTL_MS, API, ISSUER } from './helpers/stack';

const DASHBOARD_API = `${API}/api/dashboard/*`;

test('after expiry, Reload makes exactly one refresh, loads every widget and never visits the sign-in page', async ({
  page,
  traffic,
}) => {
  await signIn(page);
  await expectDashboardLoaded(page);
  const authorizations = traffic.authorizations.length;
  await waitForExpiry(page);

  await reloadDashboard(page, traffic);

  await expectDashboardLoaded(page);
  expect(traffic.refreshRequests).toBe(1);
  expect(await refreshCount()).toBe(1);
  expect(traffic.api401s()).toBe(0);
  expect(traffic.authorizations.length).toBe(authorizations);
});

test('an API answering 401 once per resource costs exactly one refresh, and every widget loads', async ({
  page,
  traffic,
}) => {
  await signIn(page);
  await expectDashboardLoaded(page);
  const rejected = new Set<string>();
  await page.route(DASHBOARD_API, async (route) => {
    const url = route.request().url();
    if (rejected.has(url)) return route.fallback();
    rejected.add(url);
    await route.fulfill({
      status: 401,
      headers: { ...CORS_HEADERS, 'WWW-Authenticate': 'Bearer error="invalid_token"' },
      body: '{"error":"invalid_token"}',
    });
  });

  await page.getByRole('button', { name: 'Reload' }).click();
  await expect.poll(() => rejected.size).toBe(6);
  await expectDashboardLoaded(page);
  expect(traffic.refreshRequests).toBe(1);
  expect(await refreshCount()).toBe(1);
});

test('an API answering 401 forever gets a bounded number of requests and refreshes, with no loop', async ({
  page,
  traffic,
}) => {
  await signIn(page);
  await expectDashboardLoaded(page);
  let requests = 0;
  await page.route(DASHBOARD_API, async (route) => {
    requests++;
    await route.fulfill({
      status: 401,
      headers: { ...CORS_HEADERS, 'WWW-Authenticate': 'Bearer error="invalid_token"' },
      body: '',
    });
  });

  await page.getByRole('button', { name: 'Reload' }).click();
  await expect(page.locator('[data-testid="widget"][data-state="error"]')).toHaveCount(6);
  await page.waitForTimeout(1_500);
  expect(requests).toBe(12); // each of the six once, and once more after the refresh
  expect(traffic.refreshRequests).toBe(1);
  expect(await storedTokens(page)).not.toBeNull(); // a misbehaving API does not end the session
});

test('a refresh rejected with invalid_grant ends the session: /login?returnUrl=%2Fdashboard, tokens gone', async ({
  page,
  traffic,
}) => {
  await signIn(page);
  await expectDashboardLoaded(page);
  await page.route(`${ISSUER}/token`, async (route) => {
    if (new URLSearchParams(route.request().postData() ?? '').get('grant_type') !== 'refresh_token')
      return route.fallback();
    await route.fulfill({
      status: 400,
      headers: { ...CORS_HEADERS, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        error: 'invalid_grant',
        error_description: 'grant request is invalid',
      }),
    });
  });
  await waitForExpiry(page);

  await page.getByRole('button', { name: 'Reload' }).click();

  await expect(page).toHaveURL(/\/login\?returnUrl=%2Fdashboard$/);
  expect(await storedTokens(page)).toBeNull();
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  expect(traffic.refreshRequests).toBe(1);
});

test('an aborted refresh keeps the session; the next Reload refreshes and works', async ({
  page,
  traffic,
}) => {
  await signIn(page);
  await expectDashboardLoaded(page);
  await page.route(`${ISSUER}/token`, (route) => route.abort('connectionreset'));
  await waitForExpiry(page);

  await page.getByRole('button', { name: 'Reload' }).click(); // the API is never reached
  await expect(page.locator('[data-testid="widget"][data-state="error"]')).toHaveCount(6);
  await expect(page).toHaveURL(/\/dashboard$/);
  expect(await storedTokens(page)).not.toBeNull();
  expect(traffic.refreshRequests).toBe(3); // one attempt and two bounded retries
  expect(await refreshCount()).toBe(0);

  await page.unroute(`${ISSUER}/token`);
  await reloadDashboard(page, traffic);
  await expectDashboardLoaded(page);
  expect(await refreshCount()).toBe(1);
});

test('reloading the page keeps the session, without any token request', async ({
  page,
  traffic,
}) => {
  await signIn(page);
  await expectDashboardLoaded(page);
  const tokenRequests = traffic.tokenRequests.length;
  await page.reload();
  await expectDashboardLoaded(page);
  expect(traffic.tokenRequests.length).toBe(tokenRequests);
  expect(traffic.authorizations.length).toBe(1);
});

test('an access token that expired while the page was closed is refreshed once at start-up, without a new sign-in', async ({
  page,
  traffic,
}) => {
  await signIn(page);
  await expectDashboardLoaded(page);
  await page.goto('about:blank');
  await page.waitForTimeout(ACCESS_TOKEN_TTL_MS + 500);
  await page.goBack();
  await expectDashboardLoaded(page);
  expect(traffic.refreshRequests).toBe(1);
  expect(traffic.authorizations.length).toBe(1);
  expect(traffic.api401s()).toBe(0);
});

test('steady use for three token lifetimes sees zero 401s from the API', async ({
  page,
  traffic,
}) => {
  test.setTimeout(120_000);
  await signIn(page);
  await expectDashboardLoaded(page);
  const until = Date.now() + 3 * ACCESS_TOKEN_TTL_MS + 1_000;
  while (Date.now() < until) {
    await reloadDashboard(page, traffic);
    await expect(loadedWidgets(page)).toHaveCount(6);
    await page.waitForTimeout(500);
  }
  expect(traffic.api401s()).toBe(0);
  const refreshes = await refreshCount();
  expect(refreshes).toBe(traffic.refreshRequests);
  expect(refreshes).toBeGreaterThanOrEqual(3);
  expect((await providerStats()).grantErrors).toEqual([]);
});

test('a request made inside the leeway waits for the refresh instead of sending a token about to expire', async ({
  page,
  traffic,
}) => {
  await signIn(page);
  await expectDashboardLoaded(page);
  await waitUntilDue(page);
  await reloadDashboard(page, traffic);
  await expectDashboardLoaded(page);
  expect(traffic.refreshRequests).toBe(1);
  expect(traffic.api401s()).toBe(0);
});
