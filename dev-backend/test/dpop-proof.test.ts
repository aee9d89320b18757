import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { exportJWK } from 'jose';

import type { ApiStatsSnapshot } from '../resource-api/dev-stats.ts';
import { readStats, resetStats } from './helpers/dev-stats-client.ts';
import {
  extractableKey,
  forgeProof,
  proof,
  rawGet,
  thumbprint,
  type KeyPair,
} from './helpers/dpop.ts';
import { assertRefused, callApi, startDpopFixture } from './helpers/dpop-fixture.ts';
import { forgeAccessToken } from './helpers/forge.ts';
import type { TestStack } from './helpers/stack.ts';

/** RFC 9449 sections 4.3 and 7.1: each check of the proof that comes with a bound token. */
describe('the API checks the DPoP proof', () => {
  let stack: TestStack;
  let key: KeyPair;
  let boundToken: string;
  let me: string;
  before(async () => {
    ({ stack, key, boundToken, me } = await startDpopFixture());
  });
  after(() => stack.close());
  beforeEach(() => resetStats(stack.api.url));

  it('refuses a request without a DPoP header', async () => {
    await assertRefused(
      stack,
      await callApi(me, boundToken),
      'invalid_dpop_proof',
      'dpop_proof_missing',
    );
  });

  it('refuses two DPoP headers, even if both are valid', async () => {
    const first = await proof(key, { url: me, accessToken: boundToken });
    const second = await proof(key, { url: me, accessToken: boundToken });
    const answer = await rawGet(me, [
      'authorization',
      `DPoP ${boundToken}`,
      'dpop',
      first,
      'dpop',
      second,
    ]);
    assert.equal(answer.status, 401);
    assert.match(String(answer.headers['www-authenticate']), /^DPoP error="invalid_dpop_proof"/);
    assert.deepEqual((await readStats<ApiStatsSnapshot>(stack.api.url)).unauthorized, {
      dpop_proof_repeated: 1,
    });
  });

  it('refuses a proof that is not a JWT', async () => {
    await assertRefused(
      stack,
      await callApi(me, boundToken, 'not-a-proof'),
      'invalid_dpop_proof',
      'dpop_proof_malformed',
    );
  });

  it('refuses a proof whose signature does not verify with its embedded key', async () => {
    const [header, , signature] = (await proof(key, { url: me, accessToken: boundToken })).split(
      '.',
    );
    const other = (await proof(key, { url: `${me}x`, accessToken: boundToken })).split('.')[1];
    const response = await callApi(me, boundToken, `${header}.${other}.${signature}`);
    await assertRefused(stack, response, 'invalid_dpop_proof', 'dpop_bad_signature');
  });

  it('refuses a proof whose typ is not dpop+jwt', async () => {
    const forged = await forgeProof(me, boundToken, { key, header: { typ: 'JWT' } });
    await assertRefused(
      stack,
      await callApi(me, boundToken, forged),
      'invalid_dpop_proof',
      'dpop_wrong_type',
    );
  });

  for (const alg of ['ES384', 'RS256', 'Ed25519'] as const) {
    it(`refuses a proof signed with ${alg} (ES256 only)`, async () => {
      const forged = await forgeProof(me, boundToken, { key: await extractableKey(alg), alg });
      await assertRefused(
        stack,
        await callApi(me, boundToken, forged),
        'invalid_dpop_proof',
        'dpop_alg_not_allowed',
      );
    });
  }

  it('refuses a proof whose jwk header carries the private key', async () => {
    const pair = await extractableKey('ES256');
    const forged = await forgeProof(me, boundToken, {
      key: pair,
      header: { jwk: await exportJWK(pair.privateKey) },
    });
    await assertRefused(
      stack,
      await callApi(me, boundToken, forged),
      'invalid_dpop_proof',
      'dpop_proof_malformed',
    );
  });

  it('refuses a proof for another method (htm)', async () => {
    const response = await callApi(
      me,
      boundToken,
      await proof(key, { url: me, method: 'POST', accessToken: boundToken }),
    );
    await assertRefused(stack, response, 'invalid_dpop_proof', 'dpop_wrong_htm');
  });

  for (const [label, htu] of [
    ['another path', '/api/dashboard/weather'],
    ['another origin naming the same host', 'http://127.0.0.1:PORT/api/me'],
    ['another scheme', 'https://localhost:PORT/api/me'],
    ['a path prefix', '/api/'],
    ['credentials in the URL', 'http://alice@localhost:PORT/api/me'],
    ['something that is not a URL', 'me'],
  ] as const) {
    it(`refuses a proof whose htu names ${label}`, async () => {
      const url = htu.startsWith('/')
        ? `${stack.api.url}${htu}`
        : htu.replace('PORT', String(stack.api.port));
      const forged = await forgeProof(me, boundToken, { key, claims: { htu: url } });
      await assertRefused(
        stack,
        await callApi(me, boundToken, forged),
        'invalid_dpop_proof',
        'dpop_wrong_htu',
      );
    });
  }

  it('compares htu without the query: the request may have one, a query in htu is ignored', async () => {
    const weather = `${stack.api.url}/api/dashboard/weather`;
    const withQuery = `${weather}?i=3`;
    const plain = await callApi(
      withQuery,
      boundToken,
      await proof(key, { url: withQuery, accessToken: boundToken }),
    );
    assert.equal(plain.status, 200, 'htu without the query names a request with one');
    const queried = await forgeProof(weather, boundToken, {
      key,
      claims: { htu: `${weather}?i=9#x` },
    });
    assert.equal(
      (await callApi(withQuery, boundToken, queried)).status,
      200,
      'as oidc-provider does',
    );
  });

  it('compares htu after URL normalisation (case of scheme and host)', async () => {
    const shouted = `HTTP://LOCALHOST:${stack.api.port}/api/me`;
    const forged = await forgeProof(me, boundToken, { key, claims: { htu: shouted } });
    assert.equal((await callApi(me, boundToken, forged)).status, 200);
  });

  for (const [label, offset] of [
    ['too old', -120],
    ['too far in the future', 120],
  ] as const) {
    it(`answers use_dpop_nonce with a nonce to a proof whose iat is ${label}, and accepts the retry`, async () => {
      const iat = Math.floor(Date.now() / 1000) + offset;
      const stale = await forgeProof(me, boundToken, { key, claims: { iat } });
      const refused = await callApi(me, boundToken, stale);
      const nonce = refused.headers.get('dpop-nonce');
      assert.ok(nonce, 'a DPoP-Nonce header to retry with');
      await assertRefused(stack, refused, 'use_dpop_nonce', 'dpop_iat_out_of_window');

      // The same wrong clock, but the proof carries the API's nonce: it is fresh, so accepted.
      const retry = await forgeProof(me, boundToken, { key, claims: { iat, nonce } });
      const accepted = await callApi(me, boundToken, retry);
      assert.equal(accepted.status, 200);
      assert.equal(accepted.headers.get('dpop-nonce'), null, 'the nonce is still the current one');
    });
  }

  it('accepts an iat within a minute either way without a nonce', async () => {
    for (const offset of [-50, 50]) {
      const forged = await forgeProof(me, boundToken, {
        key,
        claims: { iat: Math.floor(Date.now() / 1000) + offset },
      });
      assert.equal((await callApi(me, boundToken, forged)).status, 200, String(offset));
    }
  });

  it('answers use_dpop_nonce with a fresh nonce to a nonce it did not issue', async () => {
    const forged = await forgeProof(me, boundToken, { key, claims: { nonce: 'made-up' } });
    const response = await callApi(me, boundToken, forged);
    assert.ok(response.headers.get('dpop-nonce'));
    await assertRefused(stack, response, 'use_dpop_nonce', 'dpop_nonce_invalid');
  });

  it('refuses a replayed proof, and a new proof reusing a jti', async () => {
    const once = await proof(key, { url: me, accessToken: boundToken });
    assert.equal((await callApi(me, boundToken, once)).status, 200);
    await resetStats(stack.api.url);
    await assertRefused(
      stack,
      await callApi(me, boundToken, once),
      'invalid_dpop_proof',
      'dpop_replayed',
    );

    const jti = 'reused-jti';
    assert.equal(
      (await callApi(me, boundToken, await forgeProof(me, boundToken, { key, claims: { jti } })))
        .status,
      200,
    );
    await resetStats(stack.api.url);
    const again = await forgeProof(me, boundToken, {
      key,
      claims: { jti, iat: Math.floor(Date.now() / 1000) - 1 },
    });
    await assertRefused(
      stack,
      await callApi(me, boundToken, again),
      'invalid_dpop_proof',
      'dpop_replayed',
    );
  });

  it('refuses a proof whose ath is missing or the hash of another token', async () => {
    const otherToken = await forgeAccessToken(stack, {
      claims: { cnf: { jkt: await thumbprint(key) } },
    });
    const forOther = await proof(key, { url: me, accessToken: otherToken });
    await assertRefused(
      stack,
      await callApi(me, boundToken, forOther),
      'invalid_dpop_proof',
      'dpop_wrong_ath',
    );
    await resetStats(stack.api.url);
    await assertRefused(
      stack,
      await callApi(me, boundToken, await proof(key, { url: me })),
      'invalid_dpop_proof',
      'dpop_wrong_ath',
    );
  });
});
