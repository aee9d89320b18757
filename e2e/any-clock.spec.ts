import {
  expect,
  expectDashboardLoaded,
  reloadDashboard,
  signIn,
  test,
  waitForExpiry,
} from './fixtures';
import { providerStats, refreshCount } from './helpers/provider-stats';
import { ACCESS_TOKEN_TTL_MS } from './helpers/stack';

const MINUTE = 60_000;

for (const [label, offset, shown] of [
  ['90 minutes behind', -90 * MINUTE, 'about 1 h 30 min behind'],
  ['5 hours ahead', 5 * 60 * MINUTE, 'about 5 h ahead of'],
] as const) {
  test(`with the device clock ${label}, sign-in and one refresh work and the panel shows the offset`, async ({
    page,
    context,
    traffic,
  }) => {
    // The page's clock only: the provider, the API and the browser's cookie jar keep real time.
    await context.clock.install({ time: Date.now() + offset });
    await signIn(page);
    await expectDashboardLoaded(page);

    await waitForExpiry(page);
    await reloadDashboard(page, traffic);
    await expectDashboardLoaded(page);
    expect(await refreshCount()).toBe(1);
    const stats = await providerStats();
    // With DPoP, a proof stamped by a clock this far off is answered use_dpop_nonce once per
    // page load (the retry with the provider's nonce succeeds): a protocol step, not a failure.
    const nonceRequests = stats.grantErrors.filter((error) => error.error === 'use_dpop_nonce');
    expect(stats.grantErrors.filter((error) => error.error !== 'use_dpop_nonce')).toEqual([]);
    expect(nonceRequests.length).toBeLessThanOrEqual(2);
    expect(stats.authorizations).toBe(1);

    await page.getByRole('link', { name: 'Session' }).click();
    await expect(page.getByTestId('panel-clock-offset')).toContainText(shown);
  });
}

test('a device clock that jumps back 45 minutes mid-session costs no sign-in: the API refuses, one refresh, every widget loads', async ({
  page,
  context,
  traffic,
}) => {
  await context.clock.install();
  await signIn(page);
  await expectDashboardLoaded(page);

  await context.clock.setSystemTime(Date.now() - 45 * MINUTE);
  // Real time passes: the access token expires at the API while this device thinks it has
  // three quarters of an hour left.
  await page.waitForTimeout(ACCESS_TOKEN_TTL_MS + 1_000);
  await reloadDashboard(page, traffic);

  await expectDashboardLoaded(page);
  expect(traffic.api401s(), 'the API refused the expired token').toBeGreaterThanOrEqual(1);
  expect(await refreshCount()).toBeGreaterThanOrEqual(1);
  expect((await providerStats()).authorizations).toBe(1);
  await expect(page.getByTestId('signed-in-user')).toBeVisible();
});
