import {
  ALICE,
  BOB,
  expect,
  expectDashboardLoaded,
  fillProviderLogin,
  signIn,
  test,
} from './fixtures';
import { providerStats } from './helpers/provider-stats';

test('signing in as alice through the real login page lands on the dashboard with every widget loaded', async ({
  page,
  traffic,
}) => {
  await page.goto('/');
  await page.getByRole('banner').getByRole('link', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/localhost:\d+\/interaction\//);
  await fillProviderLogin(page, ALICE);
  await expect(page).toHaveURL(/\/dashboard$/);
  await expectDashboardLoaded(page);
  await expect(page.getByTestId('signed-in-user')).toContainText('Alice Liddell');
  const weather = page.locator('[data-testid="widget"][data-resource="weather"]');
  await expect(weather).toContainText('Mild and mostly sunny');
  await expect(weather.getByRole('listitem').first()).toHaveText(/^\S.*: .+$/);
  await expect(page.getByTestId('widget').filter({ hasText: '[object Object]' })).toHaveCount(0);
  expect(traffic.tokenRequests).toEqual(['authorization_code']);
  expect((await providerStats()).grants).toEqual({ authorization_code: 1 });
});

test("a wrong password shows the error on the provider's page and signs nobody in", async ({
  page,
}) => {
  await page.goto('/login');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await fillProviderLogin(page, { username: 'alice', password: 'wrong' });
  await expect(page.getByRole('alert')).toContainText('Invalid username or password.');
  await expect(page.getByLabel('Username')).toHaveValue('alice');
  expect((await providerStats()).grants).toEqual({});
});

test("the profile shows the signed-in user's name from the API", async ({ page }) => {
  await signIn(page, '/profile', BOB);
  await expect(page.getByTestId('profile-name')).toHaveText('Bob the Builder');
});

test('a signed-out visit to /profile goes to /login?returnUrl=%2Fprofile and back after signing in', async ({
  page,
}) => {
  await page.goto('/profile');
  await expect(page).toHaveURL(/\/login\?returnUrl=%2Fprofile$/);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await fillProviderLogin(page, ALICE);
  await expect(page).toHaveURL(/\/profile$/);
  await expect(page.getByTestId('profile-name')).toHaveText('Alice Liddell');
});

test('a hostile returnUrl is ignored: the user lands on the dashboard, not elsewhere', async ({
  page,
}) => {
  await page.goto('/login?returnUrl=%2F%2Fevil.example%2Fphish');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await fillProviderLogin(page, ALICE);
  await expect(page).toHaveURL(/localhost:\d+\/dashboard$/);
});

test('after sign-in, neither localStorage nor document.cookie holds a token', async ({ page }) => {
  await signIn(page);
  const tokens = await page.evaluate(
    () => JSON.parse(sessionStorage.getItem('oidc-session.tokens') ?? 'null').credentials,
  );
  expect(tokens.accessToken).toBeTruthy();
  expect(tokens.refreshToken).toBeTruthy();
  const { local, cookies } = await page.evaluate(() => ({
    local: Object.keys(localStorage)
      .map((key) => `${key}=${localStorage.getItem(key)}`)
      .join('\n'),
    cookies: document.cookie,
  }));
  for (const token of [tokens.accessToken, tokens.refreshToken, tokens.idToken]) {
    expect(local).not.toContain(token);
    expect(cookies).not.toContain(token);
  }
  expect(local).not.toMatch(/eyJ[\w-]+\.[\w-]+\./); // no JWT of any kind
});
