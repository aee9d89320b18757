import { existsSync, readFileSync } from 'node:fs';

import { providerStats } from '../helpers/provider-stats';
import { ACCESS_TOKEN_TTL_MS, ISSUER } from '../helpers/stack';
import {
  ISSUED_TOKENS_FILE,
  expect,
  expectDashboardLoaded,
  openDashboardTab,
  reload,
  signIn,
  test,
} from './fixtures';
import { startScaleStack, type Forwarded, type ScaleStack } from './scale-harness';

const pastExpiry = () => new Promise((resolve) => setTimeout(resolve, ACCESS_TOKEN_TTL_MS + 500));
const isApi = (f: Forwarded) => f.path.startsWith('/api/');

let scale: ScaleStack;
test.beforeAll(async () => {
  scale = await startScaleStack();
});
test.afterAll(async () => {
  await scale?.stop();
});

test('two instances on one Redis, requests alternating: sign-in works, and after expiry one refresh, no replay, no failed request', async ({
  page,
}) => {
  const start = scale.proxy.log.length;
  await signIn(page);
  // The sign-in's own requests (login, callback, session) were served by both instances.
  expect(new Set(scale.proxy.log.slice(start).map((f) => f.instance))).toEqual(new Set([0, 1]));
  await expectDashboardLoaded(page);
  const mark = scale.proxy.log.length;
  await pastExpiry();
  await reload(page);
  await expectDashboardLoaded(page);
  await reload(page);
  await expectDashboardLoaded(page);
  const stats = await providerStats();
  expect(stats.grants['refresh_token'] ?? 0).toBe(1);
  expect(stats.grantErrors.filter((e) => e.replayedRefreshToken)).toEqual([]);
  expect(scale.proxy.failures(mark)).toEqual([]);
  const api = scale.proxy.log.slice(mark).filter(isApi);
  expect(new Set(api.map((f) => f.instance))).toEqual(new Set([0, 1]));
});

test('an instance restarted mid-session serves the session on: no sign-in needed', async ({
  page,
}) => {
  await signIn(page);
  await expectDashboardLoaded(page);
  await scale.instances[0].restart();
  const mark = scale.proxy.log.length;
  await reload(page);
  await expectDashboardLoaded(page);
  // A full page load too: the app's start-up asks the restarted instance for the session.
  await page.reload();
  await expectDashboardLoaded(page);
  await reload(page);
  await expectDashboardLoaded(page);
  expect(scale.proxy.failures(mark)).toEqual([]);
  expect(
    scale.proxy.log.slice(mark).filter((f) => f.instance === 0 && isApi(f)).length,
  ).toBeGreaterThan(0);
  expect((await providerStats()).authorizations).toBe(1);
});

test('Redis unreachable for a few seconds: requests fail with 503, no tab signs out, and afterwards the session works without a sign-in', async ({
  page,
}) => {
  await signIn(page);
  await expectDashboardLoaded(page);
  const other = await openDashboardTab(page);

  const mark = scale.proxy.log.length;
  scale.redis.pause();
  try {
    await Promise.all([reload(page), reload(other)]);
    for (const tab of [page, other]) {
      await expect(tab.locator('[data-testid="widget"][data-state="error"]')).toHaveCount(6);
      await expect(tab.getByTestId('signed-in-user')).toBeVisible();
    }
    const during = scale.proxy.log.slice(mark).filter(isApi);
    expect(during.length).toBeGreaterThan(0);
    expect(new Set(during.map((f) => `${f.status} ${f.source}`))).toEqual(new Set(['503 bff']));
    // A few seconds of outage, then the tabs are still signed in.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    for (const tab of [page, other]) await expect(tab.getByTestId('signed-in-user')).toBeVisible();
  } finally {
    scale.redis.resume();
  }
  // Back means: both instances' health checks see the store again (node-redis reconnects
  // with a backoff of at most 2 s).
  await Promise.all(scale.instances.map((instance) => instance.healthy(10_000)));
  const back = scale.proxy.log.length;
  await reload(page);
  await expectDashboardLoaded(page);
  await reload(other);
  await expectDashboardLoaded(other);
  await reload(page);
  await expectDashboardLoaded(page);
  expect(scale.proxy.failures(back)).toEqual([]);
  expect((await providerStats()).authorizations).toBe(1);
});

test("ending the session on the provider's own end-session page signs the app out by back-channel logout: the next API call gets no session, the app lands on /login by itself", async ({
  page,
  context,
}) => {
  await signIn(page, '/session');
  // The session panel calls the API every 2 s on its own: after this, nobody touches the app.
  await page.getByRole('checkbox', { name: 'Keep calling the API every 2 seconds' }).check();
  const mark = scale.proxy.log.length;
  const providerPage = await context.newPage();
  await providerPage.goto(`${ISSUER}/session/end`);
  await providerPage.getByRole('button', { name: 'Yes, sign me out' }).click();
  await expect(providerPage.getByRole('heading', { name: 'You are signed out' })).toBeVisible();

  await expect(page).toHaveURL(/\/login\?returnUrl=%2Fsession$/, { timeout: 15_000 });
  await expect(page.getByTestId('signed-out')).toBeVisible();
  const after = scale.proxy.log.slice(mark);
  // The provider told the BFF through the public origin (the proxy), and it accepted.
  expect(after.filter((f) => f.path === '/bff/backchannel-logout').map((f) => f.status)).toEqual([
    200,
  ]);
  // The app's next call got the BFF's own "no session" answer (session_ended: provider_logout).
  const ended = after.filter((f) => isApi(f) && f.status === 401);
  expect(ended.length).toBeGreaterThan(0);
  expect(ended[0].source).toBe('bff');
  expect((await providerStats()).endSessions).toBe(1);
});

// The last test of the file: neither instance ever logged a token issued during this run.
test("the instances' logs contain none of the tokens issued during the run", async () => {
  const issued = existsSync(ISSUED_TOKENS_FILE)
    ? readFileSync(ISSUED_TOKENS_FILE, 'utf8').split('\n').filter(Boolean)
    : [];
  expect(issued.length, 'tokens were issued during the run').toBeGreaterThan(0);
  for (const name of ['a', 'b']) {
    const log = readFileSync(`test-results/bff-scale-${name}.log`, 'utf8');
    expect(log.length, `BFF ${name} logged something`).toBeGreaterThan(0);
    expect(issued.filter((token) => log.includes(token))).toEqual([]);
  }
});
