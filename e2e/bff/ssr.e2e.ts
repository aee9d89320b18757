import { expectSignedInReload, policyNonce, scriptTagsWithoutNonce } from '../helpers/first-paint';
import { expect, expectDashboardLoaded, signIn, test } from './fixtures';

/**
 * BFF mode under server-side rendering: the BFF hosts the app's server build and renders every
 * page itself, under its own security headers and a nonce policy. (Rendering the signed-in page
 * with its data is the next step; until then the server renders the same neutral shell as in
 * browser mode.)
 */

test('the BFF renders every page on the server, private to the cookie, under its headers and a nonce of its own', async ({
  request,
}) => {
  const nonces = new Set<string>();
  for (const path of ['/', '/login', '/dashboard']) {
    const response = await request.get(path, { maxRedirects: 0 });
    expect(response.status(), path).toBe(200);
    const headers = response.headers();
    const html = await response.text();
    expect(html, path).toContain('ng-server-context="ssr"');
    expect(html, path).toMatch(/class="account" data-session="unknown"><!---->/);
    // In bff mode every page may show who is signed in: none is stored, each varies on the cookie.
    expect(headers['cache-control'], path).toBe('private, no-store');
    expect(headers['vary'], path).toMatch(/\bCookie\b/);
    // The BFF's own headers, and its policy (requests to this origin only) with the page's nonce.
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['referrer-policy']).toBe('no-referrer');
    expect(headers['content-security-policy']).toContain("connect-src 'self'");
    const nonce = policyNonce(headers['content-security-policy']);
    expect(scriptTagsWithoutNonce(html, nonce), path).toEqual([]);
    expect(html).not.toContain('oidc-session-csp-nonce');
    nonces.add(nonce);
  }
  expect(nonces.size).toBe(3);
  expect(await (await request.get('/dashboard')).text()).toContain('data-testid="page-shell"');
  // The page templates are not files anyone may fetch: they hold a placeholder, not a nonce.
  expect((await request.get('/index.csr.html')).status()).toBe(404);
});

test('bff mode: a signed-in reload of a guarded page never shows a signed-out header and hydrates without errors', async ({
  page,
}) => {
  await signIn(page, '/dashboard');
  await expectDashboardLoaded(page);
  await expectSignedInReload(page, '/dashboard', () => expectDashboardLoaded(page));
});
