// `npm start`'s external-provider mode (OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_SCOPE) against a
// provider unlike the dev one: issuer with a path, keys at another path, typ JWT access tokens.
// Run by playwright.external.config.ts only (the name keeps it out of the main e2e run).
import {
  expect,
  expectDashboardLoaded,
  reloadDashboard,
  signIn,
  storedTokens,
  test,
  waitForExpiry,
} from './fixtures';
import { providerStats, refreshCount } from './helpers/provider-stats';
import { ISSUER } from './helpers/stack';

const EXTERNAL_ISSUER = `${ISSUER}/realms/demo`;

/** One part of a JWT, decoded (the test only reads it; the API verifies the signature). */
const jwtPart = (token: string, index: 0 | 1): Record<string, unknown> =>
  JSON.parse(Buffer.from(token.split('.')[index]!, 'base64url').toString('utf8'));

test("signing in through the external provider loads the dashboard with that provider's JWT access token", async ({
  page,
}) => {
  await signIn(page);
  await expectDashboardLoaded(page);
  await expect(page.getByTestId('signed-in-user')).toContainText('Alice Liddell');
  const tokens = await storedTokens(page);
  expect(jwtPart(tokens!.accessToken, 0)['typ']).toBe('JWT');
  expect(jwtPart(tokens!.accessToken, 1)['iss']).toBe(EXTERNAL_ISSUER);
  expect((await providerStats()).grants).toEqual({ authorization_code: 1 });
});

test('after expiry, Reload makes exactly one refresh at the external provider and loads every widget', async ({
  page,
  traffic,
}) => {
  await signIn(page);
  await expectDashboardLoaded(page);
  await waitForExpiry(page);

  await reloadDashboard(page, traffic);

  await expectDashboardLoaded(page);
  expect(await refreshCount()).toBe(1);
  expect(traffic.api401s()).toBe(0);
});
