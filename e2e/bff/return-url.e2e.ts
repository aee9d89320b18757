import { APP, ISSUER } from '../helpers/stack';
import { ALICE, fillProviderLogin } from '../fixtures';
import { expect, test } from './fixtures';

/**
 * Issue 19, item 1: a crafted `returnUrl` never leaves the app after a real sign-in, whether the
 * link goes straight to the BFF (`/bff/login?returnUrl=…`) or to the app's `/login?returnUrl=…`.
 * Each of these normalises to `//evil.example` (or to a path that decodes to it).
 */
const CRAFTED = [
  '/.//evil.example',
  '/..//evil.example',
  '/%2e//evil.example',
  '/a/..//evil.example',
  '/a/%2e%2e//evil.example',
  '/%2e%2e/%2F/evil.example',
  '/%252e%252e/%252F/evil.example/',
  '//evil.example',
  '/\\evil.example',
  'https://evil.example/',
];

/** Signs in at the provider if it asks, then waits until the browser is back on the app. */
async function finishSignIn(page: import('@playwright/test').Page): Promise<URL> {
  await page.waitForURL((url) => url.origin === ISSUER || !url.pathname.startsWith('/bff/'));
  if (new URL(page.url()).origin === ISSUER) {
    await fillProviderLogin(page, ALICE);
  }
  await page.waitForURL((url) => url.origin !== ISSUER && !url.pathname.startsWith('/bff/'));
  await page.waitForLoadState('load');
  return new URL(page.url());
}

/** Ends the BFF session only (the provider's stays, so the next sign-in needs no form). */
async function signOutAtTheBff(page: import('@playwright/test').Page): Promise<void> {
  const status = await page.evaluate(() =>
    fetch('/bff/logout', { method: 'POST', headers: { 'X-BFF-CSRF': '1' } }).then((r) => r.status),
  );
  expect(status).toBe(200);
}

test('a crafted returnUrl never leaves the app after a real sign-in, through the BFF or the app', async ({
  page,
  context,
}) => {
  // Thirty real sign-ins (the provider session makes all but the first a redirect round trip).
  test.setTimeout(300_000);
  const offSite: string[] = [];
  context.on('request', (request) => {
    if (new URL(request.url()).hostname.endsWith('evil.example')) offSite.push(request.url());
  });
  for (const crafted of CRAFTED) {
    // As a link straight to the BFF, encoded and (where a URL allows it) as typed.
    for (const query of [encodeURIComponent(crafted), crafted.replace(/\\/g, '%5C')]) {
      await page.goto(`/bff/login?returnUrl=${query}`);
      const landed = await finishSignIn(page);
      expect(landed.origin, `/bff/login?returnUrl=${query}`).toBe(APP);
      expect(landed.pathname).not.toContain('evil.example');
    }
    // As a link to the app's login page: the app's rule, then the BFF's. Signed in, the page
    // offers to continue (to the app's default page); signed out, it signs in. (Each sign-in
    // above replaced the session of the one before while that page's requests were still on
    // their way: a late answer must not clear the new cookie. It did, 1 run in 4, until the
    // BFF stopped clearing the cookie of an ended session.)
    await page.goto(`/login?returnUrl=${encodeURIComponent(crafted)}`);
    await expect(page.getByRole('link', { name: 'Continue' })).toHaveAttribute(
      'href',
      '/dashboard',
    );
    await signOutAtTheBff(page);
    await page.goto(`/login?returnUrl=${encodeURIComponent(crafted)}`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const landed = await finishSignIn(page);
    expect(landed.origin, `/login?returnUrl=${crafted}`).toBe(APP);
    expect(landed.pathname, `/login?returnUrl=${crafted}`).toBe('/dashboard');
  }
  expect(offSite).toEqual([]);
  // And a genuine return path still works.
  await page.goto(`/bff/login?returnUrl=${encodeURIComponent('/profile?tab=1')}`);
  expect((await finishSignIn(page)).href).toBe(`${APP}/profile?tab=1`);
});
