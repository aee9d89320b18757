import { BrowserContext, Page, Request } from '@playwright/test';

import { providerStats } from '../helpers/provider-stats';
import { ACCESS_TOKEN_TTL_MS, APP } from '../helpers/stack';
import { expect, expectDashboardLoaded, openDashboardTab, signIn, test } from './fixtures';

/** What the BFF's store says of a session id, asked without the app (no pending cookie). */
async function storedSession(id: string): Promise<unknown> {
  const response = await fetch(`${APP}/bff/session`, {
    headers: { cookie: `bff_session=${id}`, 'x-bff-csrf': '1', 'sec-fetch-site': 'same-origin' },
  });
  return response.json();
}

async function sessionId(context: BrowserContext): Promise<string> {
  const cookie = (await context.cookies(APP)).find((c) => c.name === 'bff_session');
  expect(cookie, 'signed in').toBeDefined();
  return cookie!.value;
}

/** The page shows nobody signed in, and says the sign-out is not finished. */
async function expectPending(page: Page): Promise<void> {
  await expect(page.getByTestId('signed-out')).toBeVisible();
  await expect(page.getByTestId('sign-out-pending')).toContainText('Sign-out is not finished');
  await expect(page.getByTestId('signed-in-user')).toHaveCount(0);
}

test('a sign-out the BFF does not hear is never undone: every tab stays signed out, says it is pending, and it completes once the BFF is reachable', async ({
  page,
  context,
}) => {
  await signIn(page);
  await expectDashboardLoaded(page);
  const other = await openDashboardTab(page);
  const id = await sessionId(context);

  // The BFF becomes unreachable for this browser: its pages (it renders them), its own endpoints
  // and the API behind it; the app's scripts stay available, as from the browser's cache.
  const unreachable = (url: URL, request: Request) =>
    request.resourceType() === 'document' || /^\/(bff|api)\//.test(url.pathname);
  await context.route(
    (url) => url.origin === APP,
    (route) => {
      const request = route.request();
      return unreachable(new URL(request.url()), request)
        ? route.abort('connectionrefused')
        : route.continue();
    },
  );
  await page.getByRole('button', { name: 'Sign out' }).click();
  // This tab leaves for the post-logout page, which cannot load; the other tab stays and says so.
  await expectPending(other);
  await expect(other.getByTestId('sign-out-notice')).toHaveCount(0);

  // Navigations while it is still unreachable: still signed out, still pending.
  await other.getByRole('link', { name: 'Dashboard' }).click();
  await expect(other).toHaveURL(/\/login\?returnUrl=%2Fdashboard$/);
  await expectPending(other);
  // The BFF did not hear it: its store still holds the session, nothing revoked yet.
  expect(await storedSession(id)).toEqual(expect.objectContaining({ version: 1 }));
  expect((await providerStats()).revocations).toBe(0);

  // Reachable again: the next load of a guarded page ends the session before it renders.
  await context.unrouteAll();
  await page.goto('/dashboard');
  await expect(page).toHaveURL(/\/login\?returnUrl=%2Fdashboard$/);
  await expect(page.getByTestId('sign-out-pending')).toHaveCount(0);
  await expect(other.getByTestId('sign-out-pending')).toHaveCount(0);
  expect(await storedSession(id)).toEqual({ user: null, reason: 'signed_out' });
  expect((await providerStats()).revocations).toBe(1);
  expect((await context.cookies(APP)).map((c) => c.name)).not.toContain('bff_signout_pending');
});

test("a refresh answer held back until after another tab's sign-out signs no tab back in", async ({
  page,
}) => {
  await signIn(page);
  await expectDashboardLoaded(page);
  const other = await openDashboardTab(page);

  // The BFF refreshes and answers; the browser gets the answer only when the test lets it go.
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let answered!: () => void;
  const bffAnswered = new Promise<void>((resolve) => (answered = resolve));
  await page.route('**/bff/refresh', async (route) => {
    const response = await route.fetch();
    answered();
    await released;
    await route.fulfill({ response });
  });
  await new Promise((resolve) => setTimeout(resolve, ACCESS_TOKEN_TTL_MS + 500));
  await page.getByRole('button', { name: 'Reload' }).click();
  await bffAnswered;

  await other.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByTestId('signed-out')).toBeVisible();
  await expect(other).toHaveURL(/localhost:\d+\/$/);

  release();
  // The late answer arrives; no tab takes it.
  await page.waitForResponse('**/bff/refresh');
  for (const tab of [page, other]) {
    await expect(tab.getByTestId('signed-in-user')).toHaveCount(0);
    await tab.goto('/dashboard');
    await expect(tab).toHaveURL(/\/login\?returnUrl=%2Fdashboard$/);
  }
  expect((await providerStats()).revocations).toBe(1);
});

test("a session answer held back until after another tab's sign-out signs no tab back in", async ({
  page,
  context,
}) => {
  await signIn(page);
  await expectDashboardLoaded(page);
  const late = await context.newPage();
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let answered!: () => void;
  const bffAnswered = new Promise<void>((resolve) => (answered = resolve));
  await late.route('**/bff/session', async (route) => {
    const response = await route.fetch();
    answered();
    await released;
    await route.fulfill({ response });
  });
  const loading = late.goto('/');
  await bffAnswered;
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/localhost:\d+\/$/);
  release();
  await loading;
  await expect(late.getByTestId('signed-out')).toBeVisible();
  await expect(late.getByTestId('signed-in-user')).toHaveCount(0);
  await expect(page.getByTestId('signed-in-user')).toHaveCount(0);
});

test('a signed-out visit logs no console error, and after a sign-out the home page says so', async ({
  page,
}) => {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto('/');
  await expect(page.getByTestId('signed-out')).toBeVisible();
  await page.goto('/dashboard');
  await expect(page).toHaveURL(/\/login\?returnUrl=%2Fdashboard$/);
  expect(errors).toEqual([]);

  await signIn(page);
  await expectDashboardLoaded(page);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/localhost:\d+\/$/);
  await expect(page.getByTestId('sign-out-notice')).toContainText('You are signed out');
  await expect(page.getByTestId('sign-out-pending')).toHaveCount(0);
});
