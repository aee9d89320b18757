import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { ProviderStatsSnapshot } from '../identity-provider/dev-stats.ts';
import { readStats, resetStats } from './helpers/dev-stats-client.ts';
import { signIn } from './helpers/oidc-flow.ts';
import { APP_ORIGIN, startStack, type TestStack } from './helpers/stack.ts';

/**
 * The user's browser is a loopback caller too, so a page on any site could POST to the reset
 * path (a form, or fetch in no-cors mode) and wipe what a test run is about to assert.
 */
describe('POST /__dev/stats/reset from a web page', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startStack();
  });
  after(() => stack.close());

  const pageHeaders: ReadonlyArray<readonly [string, Record<string, string>]> = [
    [
      'another site (Origin and Sec-Fetch-Site)',
      { origin: 'https://evil.test', 'sec-fetch-site': 'cross-site' },
    ],
    ['another site, Origin only', { origin: 'https://evil.test' }],
    ['another site, Sec-Fetch-Site only', { 'sec-fetch-site': 'cross-site' }],
    ['the app (same site, other port)', { origin: APP_ORIGIN, 'sec-fetch-site': 'same-site' }],
    ['an opaque origin (sandboxed frame, redirect)', { origin: 'null' }],
  ];

  for (const server of ['provider', 'API'] as const) {
    for (const [label, headers] of pageHeaders) {
      it(`is refused on the ${server} for ${label}, and the counters stay`, async () => {
        const base = server === 'provider' ? stack.idp.issuer : stack.api.url;
        await signIn(stack.idp.issuer);
        await fetch(`${stack.api.url}/api/me`);
        const before = await readStats<Record<string, unknown>>(base);

        const response = await fetch(`${base}/__dev/stats/reset`, {
          method: 'POST',
          headers: { 'content-type': 'text/plain', ...headers },
        });
        assert.equal(response.status, 403);
        assert.equal(response.headers.get('access-control-allow-origin'), null);
        assert.deepEqual(await readStats(base), before);
      });
    }
  }

  it('is still accepted from a test runner (no Origin, no Sec-Fetch-Site)', async () => {
    await signIn(stack.idp.issuer);
    await resetStats(stack.idp.issuer);
    assert.deepEqual((await readStats<ProviderStatsSnapshot>(stack.idp.issuer)).grants, {});
  });

  it('is accepted for Sec-Fetch-Site none (typed by the user, not sent by a page)', async () => {
    const response = await fetch(`${stack.api.url}/__dev/stats/reset`, {
      method: 'POST',
      headers: { 'sec-fetch-site': 'none' },
    });
    assert.equal(response.status, 200);
  });
});
