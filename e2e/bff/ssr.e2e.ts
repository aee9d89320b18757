import { APIResponse, Browser, Page } from '@playwright/test';

import { ALICE, BOB, type Account } from '../fixtures';
import {
  consoleErrors,
  expectSignedInReload,
  policyNonce,
  scriptTagsWithoutNonce,
} from '../helpers/first-paint';
import { providerStats, refreshCount } from '../helpers/provider-stats';
import { ACCESS_TOKEN_TTL_MS, APP } from '../helpers/stack';
import { expect, expectDashboardLoaded, signIn, test } from './fixtures';

/**
 * BFF mode under server-side rendering: the BFF hosts the app's server build and renders every
 * page with the session of the request's cookie. A signed-in page comes with its data, its API
 * calls made on the server through the BFF's proxy path, and no token; a guarded page without a
 * session is a redirect before any HTML; the browser hydrates without asking the API again.
 */

const pastExpiry = () => new Promise((resolve) => setTimeout(resolve, ACCESS_TOKEN_TTL_MS + 500));
const DASHBOARD_WIDGETS = 6;

/** The page's HTML as the server sends it for this browser's cookies (no redirect followed). */
async function serverHtml(page: Page, path: string): Promise<APIResponse> {
  return page.request.get(path, { maxRedirects: 0 });
}

/** The dashboard widgets the server rendered with their data. */
const loadedWidgetsIn = (html: string) =>
  (html.match(/data-testid="widget" data-state="loaded"/g) ?? []).length;

/** Whose dashboard each API answer in the page's transfer state was for. */
function transferredSubjects(html: string): string[] {
  const state = /<script id="ng-state" type="application\/json">(.*?)<\/script>/s.exec(html)?.[1];
  return [...(state ?? '').matchAll(/&q;subject&q;:&q;([^&]*)&q;|"subject":"([^"]*)"/g)].map(
    (match) => match[1] ?? match[2]!,
  );
}

/** Every token the provider issued so far that appears in `text`. */
async function tokensIn(text: string): Promise<string[]> {
  return (await providerStats()).issuedTokens.filter((token) => text.includes(token));
}

test('signed out: public pages render signed out under the nonce policy, a guarded page is a redirect before any HTML', async ({
  request,
}) => {
  const nonces = new Set<string>();
  for (const path of ['/', '/login']) {
    const response = await request.get(path, { maxRedirects: 0 });
    expect(response.status(), path).toBe(200);
    const headers = response.headers();
    const html = await response.text();
    expect(html, path).toContain('ng-server-context="ssr"');
    expect(html, path).toContain('data-session="signed-out"');
    // In bff mode every page may show who is signed in: none is stored, each varies on the cookie.
    expect(headers['cache-control'], path).toBe('private, no-store');
    expect(headers['vary'], path).toMatch(/\bCookie\b/);
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['referrer-policy']).toBe('no-referrer');
    expect(headers['content-security-policy']).toContain("connect-src 'self'");
    const nonce = policyNonce(headers['content-security-policy']);
    expect(scriptTagsWithoutNonce(html, nonce), path).toEqual([]);
    expect(html).not.toContain('oidc-session-csp-nonce');
    nonces.add(nonce);
  }
  expect(nonces.size).toBe(2);
  const guarded = await request.get('/dashboard', { maxRedirects: 0 });
  expect(guarded.status()).toBe(302);
  expect(guarded.headers()['location']).toBe('/login?returnUrl=%2Fdashboard');
  expect(guarded.headers()['cache-control']).toBe('private, no-store');
  expect(guarded.headers()['vary']).toMatch(/\bCookie\b/);
  expect(await guarded.text()).toBe('');
  // The page templates are not files anyone may fetch: they hold a placeholder, not a nonce.
  expect((await request.get('/index.csr.html')).status()).toBe(404);
});

test("signed in: the server's HTML of /dashboard has the user's name and every widget's data, and no token", async ({
  page,
}) => {
  await signIn(page, '/dashboard');
  await expectDashboardLoaded(page);
  const response = await serverHtml(page, '/dashboard');
  expect(response.status()).toBe(200);
  const html = await response.text();
  expect(html).toContain('data-session="signed-in"');
  expect(html).toContain('Alice Liddell');
  expect(loadedWidgetsIn(html)).toBe(DASHBOARD_WIDGETS);
  expect(html).not.toContain('Loading…');
  expect(html).not.toContain('data-testid="page-shell"');
  // The API answers travel with the page (Angular's transfer cache), each for this user.
  expect(transferredSubjects(html)).toEqual(Array(DASHBOARD_WIDGETS).fill('alice'));
  expect(response.headers()['cache-control']).toBe('private, no-store');
  // No access, refresh or ID token the provider issued: not in the HTML, the transfer state
  // (part of the HTML) or a header.
  expect(await tokensIn(html + JSON.stringify(response.headersArray()))).toEqual([]);
  expect((await providerStats()).issuedTokens.length).toBeGreaterThanOrEqual(3);
});

test('a signed-in reload paints the page with its data at once, and the browser does not ask the API again', async ({
  page,
}) => {
  await signIn(page, '/dashboard');
  await expectDashboardLoaded(page);
  const apiCalls: string[] = [];
  page.on('request', (request) => {
    if (new URL(request.url()).pathname.startsWith('/api/')) apiCalls.push(request.url());
  });
  const seen = await expectSignedInReload(page, '/dashboard', () => expectDashboardLoaded(page), {
    firstPaint: 'signed-in',
  });
  await page.waitForLoadState('networkidle');
  expect(apiCalls).toEqual([]);
  // From the first frame that shows the widgets on, they never go back to loading.
  const from = seen.findIndex((frame) => frame.loadedWidgets === DASHBOARD_WIDGETS);
  expect(from).toBeGreaterThanOrEqual(0);
  expect(seen.slice(from).filter((frame) => frame.loadedWidgets !== DASHBOARD_WIDGETS)).toEqual([]);
  // The page still works as before: Reload asks the API.
  await page.getByRole('button', { name: 'Reload' }).click();
  await expectDashboardLoaded(page);
  expect(apiCalls.length).toBe(DASHBOARD_WIDGETS);
});

test("an access token expired at render time costs one refresh, shared with the same session's browser requests", async ({
  page,
}) => {
  await signIn(page, '/dashboard');
  await expectDashboardLoaded(page);
  await pastExpiry();
  const [render, statuses] = await Promise.all([
    serverHtml(page, '/dashboard'),
    page.evaluate(() =>
      Promise.all(
        ['weather', 'news', 'stocks', 'tasks', 'messages', 'calendar'].map((name) =>
          fetch(`/api/dashboard/${name}`, { headers: { 'X-BFF-CSRF': '1' } }).then((r) => r.status),
        ),
      ),
    ),
  ]);
  expect(statuses).toEqual(Array(DASHBOARD_WIDGETS).fill(200));
  expect(loadedWidgetsIn(await render.text())).toBe(DASHBOARD_WIDGETS);
  expect(await refreshCount()).toBe(1);
});

test('a sign-out the app recorded ends the session before anything renders', async ({
  page,
  context,
}) => {
  await signIn(page, '/dashboard');
  await expectDashboardLoaded(page);
  const revokedBefore = (await providerStats()).grantsRevoked;
  await context.addCookies([{ name: 'bff_signout_pending', value: '1', url: APP }]);
  const response = await serverHtml(page, '/dashboard');
  expect(response.status()).toBe(302);
  expect(response.headers()['location']).toBe('/login?returnUrl=%2Fdashboard');
  const names = (await context.cookies(APP)).map((cookie) => cookie.name);
  expect(names).not.toContain('bff_session');
  expect(names).not.toContain('bff_signout_pending');
  expect((await providerStats()).grantsRevoked).toBe(revokedBefore + 1);
  // And it stays ended: the next render is signed out too.
  expect((await serverHtml(page, '/')).ok()).toBe(true);
  expect(await (await serverHtml(page, '/')).text()).toContain('data-session="signed-out"');
});

test("two users' renders interleaved never show each other's data", async ({ browser }) => {
  const alice = await signedInPage(browser, ALICE);
  const bob = await signedInPage(browser, BOB);
  const order = Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? alice : bob));
  const pages = await Promise.all(order.map((page) => serverHtml(page, '/dashboard')));
  for (const [index, response] of pages.entries()) {
    const html = await response.text();
    const [me, other] = order[index] === alice ? ['alice', 'bob'] : ['bob', 'alice'];
    expect(transferredSubjects(html), `render ${index}`).toEqual(Array(DASHBOARD_WIDGETS).fill(me));
    expect(html).toContain(me === 'alice' ? 'Alice Liddell' : 'Bob the Builder');
    expect(html).not.toContain(other === 'alice' ? 'Alice Liddell' : 'Bob the Builder');
  }
  await alice.context().close();
  await bob.context().close();
});

test('hydration after a server render shows no error, in either header state', async ({ page }) => {
  const errors = consoleErrors(page);
  await page.goto('/');
  await expect(page.getByTestId('signed-out')).toBeVisible();
  await signIn(page, '/profile');
  await expect(page.getByTestId('profile-name')).toContainText('Alice');
  await page.reload();
  await expect(page.getByTestId('profile-name')).toContainText('Alice');
  expect(errors).toEqual([]);
});

async function signedInPage(browser: Browser, account: Account): Promise<Page> {
  const page = await (await browser.newContext({ baseURL: APP })).newPage();
  await signIn(page, '/dashboard', account);
  await expectDashboardLoaded(page);
  return page;
}
