import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';

import type { ProviderStatsSnapshot } from '../identity-provider/dev-stats.ts';
import type { ApiStatsSnapshot } from '../resource-api/dev-stats.ts';
import { serveDevStats } from '../shared/dev-endpoint.ts';
import { isLoopbackAddress } from '../shared/loopback.ts';
import { readStats, resetStats } from './helpers/dev-stats-client.ts';
import { signIn } from './helpers/oidc-flow.ts';
import { startStack, type TestStack } from './helpers/stack.ts';

describe('isLoopbackAddress', () => {
  for (const address of [
    '127.0.0.1',
    '127.10.20.30',
    '127.255.255.254',
    '::1',
    '::ffff:127.0.0.1',
    '::FFFF:127.0.0.2',
  ]) {
    it(`accepts ${address}`, () => assert.equal(isLoopbackAddress(address), true));
  }
  for (const address of [
    undefined,
    '',
    'localhost',
    '10.0.0.1',
    '192.168.1.20',
    '128.0.0.1',
    '1.127.0.0',
    '127.0.0.256',
    '127.0.0',
    '::2',
    '::ffff:10.0.0.1',
    'fe80::1',
  ]) {
    it(`refuses ${String(address)}`, () => assert.equal(isLoopbackAddress(address), false));
  }
});

describe('the /__dev/stats endpoint', () => {
  it('answers 403 to a caller that is not on this machine', () => {
    let reset = false;
    const stats = { snapshot: () => ({ secret: true }), reset: () => void (reset = true) };
    for (const [method, url] of [
      ['GET', '/__dev/stats'],
      ['POST', '/__dev/stats/reset'],
    ] as const) {
      const req = {
        method,
        url,
        headers: {},
        socket: { remoteAddress: '::ffff:192.168.1.20' },
      } as unknown as IncomingMessage;
      let status = 0;
      let body = '';
      const res = {
        writeHead(code: number) {
          status = code;
          return this;
        },
        end(chunk: string) {
          body = chunk;
        },
      } as unknown as ServerResponse;

      serveDevStats(stats, req, res);

      assert.equal(status, 403);
      assert.doesNotMatch(body, /secret/);
    }
    assert.equal(reset, false, 'a remote caller cannot reset the counters');
  });

  describe('over HTTP from loopback', () => {
    let stack: TestStack;
    before(async () => {
      stack = await startStack();
    });
    after(() => stack.close());

    it('reads and resets the provider counters', async () => {
      await signIn(stack.idp.issuer);
      const before = await readStats<ProviderStatsSnapshot>(stack.idp.issuer);
      assert.equal(before.grants['authorization_code'], 1);
      assert.equal(before.issuedTokens.length, 3, 'the access, refresh and ID token of the sign-in');

      await resetStats(stack.idp.issuer);
      assert.deepEqual(await readStats<ProviderStatsSnapshot>(stack.idp.issuer), {
        grants: {},
        grantErrors: [],
        revocations: 0,
        endSessions: 0,
        authorizations: 0,
        grantsRevoked: 0,
        issuedTokens: [],
      });
    });

    it('reads and resets the API counters', async () => {
      await resetStats(stack.api.url);
      const { tokens } = await signIn(stack.idp.issuer);
      await fetch(`${stack.api.url}/api/me`, {
        headers: { authorization: `Bearer ${tokens.access_token}` },
      });
      await fetch(`${stack.api.url}/api/dashboard/news`);
      await fetch(`${stack.api.url}/api/me`, {
        method: 'OPTIONS',
        headers: { origin: 'http://localhost:4200', 'access-control-request-method': 'GET' },
      });

      assert.deepEqual(await readStats<ApiStatsSnapshot>(stack.api.url), {
        requests: 2,
        byPath: { '/api/me': 1, '/api/dashboard/news': 1 },
        unauthorized: { missing_token: 1 },
        invalidRequests: 0,
        insufficientScope: 0,
        preflights: 1,
        peakConcurrency: 1,
      });

      await resetStats(stack.api.url);
      const cleared = await readStats<ApiStatsSnapshot>(stack.api.url);
      assert.equal(cleared.requests, 0);
      assert.deepEqual(cleared.unauthorized, {});
    });

    it('answers 405 to a GET of the reset path and 404 to unknown dev paths', async () => {
      assert.equal((await fetch(`${stack.idp.issuer}/__dev/stats/reset`)).status, 405);
      assert.equal((await fetch(`${stack.api.url}/__dev/other`)).status, 404);
    });
  });
});
