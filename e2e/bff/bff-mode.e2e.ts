import { providerStats, refreshCount } from '../helpers/provider-stats';
import { ACCESS_TOKEN_TTL_MS, APP, ISSUER } from '../helpers/stack';
import {
  expect,
  expectDashboardLoaded,
  openDashboardTab,
  providerDown,
  reload,
  signIn,
  test,
} from './fixtures';
import { libraryChunk } from '../helpers/build';

const pastExpiry = () => new Promise((resolve) => setTimeout(resolve, ACCESS_TOKEN_TTL_MS + 500));

test('a guarded page sends a signed-out user through the BFF sign-in and back to it, with no token in the browser', async ({
  page,
  context,
}) => {
  const requests: string[] = [];
  context.on('request', (request) => requests.push(request.url()));
  await page.goto('/profile');
  await expect(page).toHaveURL(/\/login\?returnUrl=%2Fprofile$/);
  await signIn(page, '/profile');
  await expect(page.getByTestId('profile-name')).toContainText('Alice');
  expect(await page.evaluate(() => document.cookie)).toBe('');
  // The BFF's one cookie (on loopback without Secure and __Host-; the provider's own cookies
  // share the localhost cookie jar, since cookies ignore ports).
  const session = (await context.cookies(APP)).find((c) => c.name === 'bff_session');
  expect(session).toEqual(
    expect.objectContaining({ httpOnly: true, sameSite: 'Lax', path: '/', secure: false }),
  );
  // The browser never talks to the provider's token endpoint, and never loads the library.
  expect(requests.filter((url) => url.startsWith(`${ISSUER}/token`))).toEqual([]);
  expect(requests.filter((url) => url.endsWith(libraryChunk()))).toEqual([]);
});

test('a burst after expiry costs exactly one refresh at the provider, and every widget loads', async ({
  page,
}) => {
  await signIn(page);
  await expectDashboardLoaded(page);
  await pastExpiry();
  await reload(page);
  await expectDashboardLoaded(page);
  expect(await refreshCount()).toBe(1);
});

test('two tabs after expiry cost exactly one refresh, and both load', async ({ page }) => {
  await signIn(page);
  await expectDashboardLoaded(page);
  const other = await openDashboardTab(page);
  await pastExpiry();
  await Promise.all([reload(page), reload(other)]);
  await expectDashboardLoaded(page);
  await expectDashboardLoaded(other);
  expect(await refreshCount()).toBe(1);
});

test('an API that answers 401 to every token costs at most one refresh per session version', async ({
  page,
}) => {
  await signIn(page);
  await expectDashboardLoaded(page);
  const statuses = await page.evaluate(async () => {
    const call = () =>
      fetch('/api/refuses-every-token', { headers: { 'X-BFF-CSRF': '1' } }).then((r) => r.status);
    const answers: number[] = [];
    for (let i = 0; i < 5; i++) answers.push(...(await Promise.all([call(), call(), call()])));
    return answers;
  });
  expect(new Set(statuses)).toEqual(new Set([401]));
  expect(await refreshCount()).toBeLessThanOrEqual(1);
});

test('a refresh the provider rejects ends the session: the next Reload lands on /login?returnUrl=%2Fdashboard', async ({
  page,
}) => {
  await signIn(page);
  await expectDashboardLoaded(page);
  // Spend the BFF's refresh token behind its back (from the provider's dev record): the BFF's
  // copy is now a replay, which the provider refuses and answers by revoking the grant.
  const refreshToken = (await providerStats()).issuedTokens.find((t) => t.split('.').length !== 3)!;
  const spent = await fetch(`${ISSUER}/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from('demo-bff:dev-bff-secret-not-for-production').toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }),
  });
  expect(spent.status).toBe(200);
  await pastExpiry();
  await page.getByRole('button', { name: 'Reload' }).click();
  await expect(page).toHaveURL(/\/login\?returnUrl=%2Fdashboard$/);
  await expect(page.getByTestId('signed-out')).toBeVisible();
});

test('a provider outage keeps the session: requests fail for now, and work again without a sign-in', async ({
  page,
}) => {
  await signIn(page);
  await expectDashboardLoaded(page);
  await providerDown(true);
  try {
    await pastExpiry();
    await reload(page);
    await expect(page.getByTestId('signed-in-user')).toBeVisible();
    await page.reload();
    await expect(page.getByTestId('signed-in-user')).toBeVisible();
  } finally {
    await providerDown(false);
  }
  await reload(page);
  await expectDashboardLoaded(page);
  expect((await providerStats()).authorizations).toBe(1);
});

test('Sign out in one tab signs every tab out and revokes the refresh token', async ({ page }) => {
  await signIn(page);
  await expectDashboardLoaded(page);
  const other = await openDashboardTab(page);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(other.getByTestId('signed-out')).toBeVisible({ timeout: 2_000 });
  await expect(page).toHaveURL(/localhost:\d+\/$/);
  await expect(page.getByTestId('signed-out')).toBeVisible();
  const stats = await providerStats();
  expect(stats.revocations).toBe(1);
  expect(stats.endSessions).toBe(1);
  await other.goto('/dashboard');
  await expect(other).toHaveURL(/\/login\?returnUrl=%2Fdashboard$/);
});
