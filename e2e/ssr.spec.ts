import { request as httpRequest } from 'node:http';

import { expect, expectDashboardLoaded, signIn, test } from './fixtures';
import { APP } from './helpers/stack';
import {
  consoleErrors,
  expectSignedInReload,
  frames,
  policyNonce,
  recordFrames,
  scriptTagsWithoutNonce,
  violations,
} from './helpers/first-paint';

/**
 * Browser mode under server-side rendering: the server renders public pages fully and guarded
 * pages as a neutral shell (it holds no session), the browser takes the page over by hydration
 * and decides. These tests read the server's HTML as sent, and sample the page from its first
 * paint on.
 */

test('the server renders the home page, with a header that says neither who is signed in nor "Sign in"', async ({
  request,
}) => {
  const response = await request.get('/');
  expect(response.status()).toBe(200);
  const html = await response.text();
  expect(html).toContain('Stay signed in, without noticing');
  expect(html).toContain('ng-server-context="ssr"');
  expect(html).toMatch(/class="account" data-session="unknown"><!---->/);
  expect(html).not.toContain('Not signed in');
  expect(html).not.toContain('Signed in as');
  // The page is the same for everyone: it may be stored, but is revalidated every time.
  expect(response.headers()['cache-control']).toBe('no-cache');
});

test('guarded pages come from the server as the shell, private and varying on the cookie; the nonce is new every time', async ({
  request,
}) => {
  const nonces = new Set<string>();
  for (const path of ['/dashboard', '/profile', '/session']) {
    const response = await request.get(path, { maxRedirects: 0 });
    expect(response.status(), path).toBe(200);
    const html = await response.text();
    expect(html).toContain('data-testid="page-shell"');
    expect(html).not.toContain('data-testid="widget"');
    expect(html).not.toContain('Not signed in');
    expect(response.headers()['cache-control']).toBe('private, no-store');
    expect(response.headers()['vary']).toMatch(/\bCookie\b/);
    const nonce = policyNonce(response.headers()['content-security-policy']);
    // Every script, preload and style of the page carries this response's nonce; no placeholder.
    expect(html.match(/ nonce="/g)!.length).toBeGreaterThan(3);
    expect(scriptTagsWithoutNonce(html, nonce), path).toEqual([]);
    expect(html).not.toContain('oidc-session-csp-nonce');
    nonces.add(nonce);
  }
  expect(nonces.size).toBe(3);
});

test('a signed-in reload of a guarded page never shows /login or a signed-out header, in any frame, and hydrates without errors', async ({
  page,
}) => {
  await signIn(page, '/dashboard');
  await expectDashboardLoaded(page);
  await expectSignedInReload(page, '/dashboard', async () => {
    await expectDashboardLoaded(page);
    await expect(page.getByTestId('signed-in-user')).toContainText('Alice Liddell');
  });
});

test('signed out, a guarded page comes from the server as the shell and the guard sends the browser to the login page after hydration', async ({
  page,
}) => {
  await recordFrames(page);
  const errors = consoleErrors(page);
  const response = await page.goto('/profile');
  expect(response!.status()).toBe(200);
  await page.waitForURL((url) => url.pathname === '/login');
  expect(new URL(page.url()).searchParams.get('returnUrl')).toBe('/profile');
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  await expect(page.getByTestId('signed-out')).toBeVisible();
  // Before the browser decided, the page was the neutral shell, never the profile.
  const seen = await frames(page);
  expect(seen[0]).toMatchObject({ path: '/profile', account: 'unknown' });
  expect(await violations(page)).toEqual([]);
  expect(errors).toEqual([]);
});

test('signed out, the home page hydrates into the signed-out header with no console or CSP error', async ({
  page,
}) => {
  await recordFrames(page);
  const errors = consoleErrors(page);
  await page.goto('/');
  await expect(page.getByTestId('signed-out')).toBeVisible();
  await expect(page.getByRole('main').getByRole('link', { name: 'Sign in' })).toBeVisible();
  expect((await frames(page))[0]).toMatchObject({ path: '/', account: 'unknown' });
  expect(await violations(page)).toEqual([]);
  expect(errors).toEqual([]);
});

/** Sends a request exactly as written (a URL library would repair it first). */
function rawRequest(
  target: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  const { hostname, port } = new URL(APP);
  return new Promise((resolve, reject) => {
    const sent = httpRequest({ host: hostname, port, path: target, headers }, (response) => {
      response.resume();
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers }),
      );
    });
    sent.setTimeout(10_000, () => sent.destroy(new Error(`no answer to ${target}`)));
    sent.on('error', reject);
    sent.end();
  });
}

test('hostile requests get a plain answer, never a hang, a 500 or a page that lost its private headers', async () => {
  // A malformed escape: 400 at once (it used to leave the socket open).
  expect((await rawRequest('/%E0%A4%A')).status).toBe(400);
  // An absolute-form target is rendered at this server's own origin, not refused with a 500.
  const absolute = await rawRequest('http://evil.example/dashboard');
  expect(absolute.status).toBe(200);
  expect(absolute.headers['cache-control']).toBe('private, no-store');
  // Forwarded headers nobody configured are dropped, so the page is still rendered on the server
  // (not the client-rendered fallback), with its private caching.
  for (const header of ['x-forwarded-prefix', 'x-forwarded-host', 'x-forwarded-proto']) {
    const forwarded = await rawRequest('/dashboard', {
      [header]: header === 'x-forwarded-prefix' ? '/evil' : 'evil.example',
    });
    expect(forwarded.status, header).toBe(200);
    expect(forwarded.headers['cache-control'], header).toBe('private, no-store');
    expect(forwarded.headers['vary'], header).toMatch(/\bCookie\b/);
  }
  // Only the hashed bundles are immutable.
  expect((await rawRequest('/favicon.ico')).headers['cache-control']).toBe('no-cache');
});
