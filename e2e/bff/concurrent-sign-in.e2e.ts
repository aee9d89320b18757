import {
  BFF_CLIENT_ID,
  DEV_BFF_CLIENT_SECRET,
} from '../../dev-backend/identity-provider/bff-client';
import { ALICE, fillProviderLogin } from '../fixtures';
import { providerStats, refreshCount } from '../helpers/provider-stats';
import { ACCESS_TOKEN_TTL_MS, ISSUER } from '../helpers/stack';
import { expect, expectDashboardLoaded, reload, test } from './fixtures';

/**
 * Issue 19, item 3: two tabs of one browser that start a sign-in at the same moment both end on
 * one working session (the one completed last), with no grant error at the provider. Both came
 * from one provider session and so share one grant: the replaced session ends at the BFF, and
 * its refresh token dies with that grant when the user signs out.
 */
test('two tabs that start a sign-in together both end on one working session', async ({
  page,
  context,
}) => {
  const other = await context.newPage();
  // Both tabs are on the provider's login page before either signs in.
  for (const tab of [page, other]) {
    await tab.goto('/dashboard');
    await tab.getByRole('button', { name: 'Sign in' }).click();
    await tab.waitForURL((url) => url.origin === ISSUER);
  }
  const bindings = (await context.cookies()).filter((c) => c.name.startsWith('bff_login_'));
  expect(bindings).toHaveLength(2);
  for (const tab of [page, other]) {
    await fillProviderLogin(tab, ALICE);
    await tab.waitForURL((url) => url.pathname === '/dashboard');
  }
  // The first tab's page was loaded on the session the second replaced; its next calls carry
  // the browser's cookie, the session completed last.
  await reload(page);
  await expectDashboardLoaded(page);
  await expectDashboardLoaded(other);
  const me = await page.evaluate(() =>
    fetch('/api/me', { headers: { 'X-BFF-CSRF': '1' } }).then((r) => r.status),
  );
  expect(me).toBe(200);
  let stats = await providerStats();
  expect(stats.grants['authorization_code']).toBe(2);
  expect(stats.grantErrors).toEqual([]);
  // One grant, so nothing was revoked yet: revoking it would end the session both tabs use.
  expect(stats.revocations).toBe(0);

  // The session that remains refreshes: once for both tabs, and the provider accepts it.
  await new Promise((resolve) => setTimeout(resolve, ACCESS_TOKEN_TTL_MS + 500));
  await Promise.all([reload(page), reload(other)]);
  await expectDashboardLoaded(page);
  await expectDashboardLoaded(other);
  expect(await refreshCount()).toBe(1);
  expect((await providerStats()).grantErrors).toEqual([]);

  // Signing out revokes the one grant: every refresh token of both sign-ins is dead after it.
  const signedOut = await page.evaluate(() =>
    fetch('/bff/logout', { method: 'POST', headers: { 'X-BFF-CSRF': '1' } }).then((r) => r.status),
  );
  expect(signedOut).toBe(200);
  stats = await providerStats();
  expect(stats.revocations).toBe(1);
  expect(stats.grantsRevoked).toBe(1);
  const refreshTokens = stats.issuedTokens.filter((token) => token.split('.').length !== 3);
  expect(refreshTokens).toHaveLength(3); // two sign-ins, one rotation
  for (const token of refreshTokens) expect(await redeemAsBff(token)).toBe('invalid_grant');
});

/** Presents a refresh token as the BFF client would: the provider's error code, if any. */
async function redeemAsBff(refreshToken: string): Promise<string | undefined> {
  const discovery = (await (await fetch(`${ISSUER}/.well-known/openid-configuration`)).json()) as {
    token_endpoint: string;
  };
  const credentials = Buffer.from(`${BFF_CLIENT_ID}:${DEV_BFF_CLIENT_SECRET}`).toString('base64');
  const response = await fetch(discovery.token_endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${credentials}`,
    },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }),
  });
  return ((await response.json()) as { error?: string }).error;
}
