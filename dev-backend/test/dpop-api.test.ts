import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';

import { resetStats } from './helpers/dev-stats-client.ts';
import { newDpopKey, proof, thumbprint, type KeyPair } from './helpers/dpop.ts';
import { assertRefused, callApi, startDpopFixture } from './helpers/dpop-fixture.ts';
import { forgeAccessToken } from './helpers/forge.ts';
import { APP_ORIGIN, type TestStack } from './helpers/stack.ts';

/**
 * RFC 9449 section 7: which tokens the API takes in which scheme, and how it answers. What it
 * checks in the proof itself is in dpop-proof.test.ts.
 */
describe('the API takes DPoP-bound tokens only with the DPoP scheme and a proof', () => {
  let stack: TestStack;
  let key: KeyPair;
  let boundToken: string;
  let me: string;
  before(async () => {
    ({ stack, key, boundToken, me } = await startDpopFixture());
  });
  after(() => stack.close());
  beforeEach(() => resetStats(stack.api.url));

  it('answers 200 to a bound token sent with the DPoP scheme and a proof of its key', async () => {
    const response = await callApi(
      me,
      boundToken,
      await proof(key, { url: me, accessToken: boundToken }),
    );
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { sub: 'alice', name: 'Alice Liddell' });
    assert.equal(response.headers.get('dpop-nonce'), null, 'no nonce unless one is needed');
  });

  it('accepts the scheme name in any case', async () => {
    const response = await callApi(
      me,
      boundToken,
      await proof(key, { url: me, accessToken: boundToken }),
      'dpop',
    );
    assert.equal(response.status, 200);
  });

  it('refuses a bound token sent as Bearer, even with a valid proof', async () => {
    const response = await callApi(
      me,
      boundToken,
      await proof(key, { url: me, accessToken: boundToken }),
      'Bearer',
    );
    await assertRefused(stack, response, 'invalid_token', 'dpop_bound_token_as_bearer');
  });

  it('refuses an unbound token sent with the DPoP scheme', async () => {
    const unbound = await forgeAccessToken(stack);
    const response = await callApi(
      me,
      unbound,
      await proof(key, { url: me, accessToken: unbound }),
    );
    await assertRefused(stack, response, 'invalid_token', 'dpop_unbound_token');
  });

  it('refuses a token bound by something other than a key thumbprint, in either scheme', async () => {
    const token = await forgeAccessToken(stack, { claims: { cnf: { 'x5t#S256': 'abc' } } });
    for (const scheme of ['Bearer', 'DPoP']) {
      const response = await callApi(
        me,
        token,
        await proof(key, { url: me, accessToken: token }),
        scheme,
      );
      assert.equal(response.status, 401, scheme);
      assert.match(
        response.headers.get('www-authenticate') ?? '',
        new RegExp(`^${scheme} error="invalid_token"`),
      );
    }
  });

  it('refuses a valid proof of another key than the token is bound to (cnf.jkt)', async () => {
    const thief = await newDpopKey();
    const response = await callApi(
      me,
      boundToken,
      await proof(thief, { url: me, accessToken: boundToken }),
    );
    await assertRefused(stack, response, 'invalid_token', 'dpop_key_mismatch');
  });

  it('answers a bad token in the DPoP scheme with a DPoP invalid_token challenge', async () => {
    const expired = await forgeAccessToken(stack, {
      claims: { cnf: { jkt: await thumbprint(key) }, exp: Math.floor(Date.now() / 1000) - 10 },
    });
    const response = await callApi(
      me,
      expired,
      await proof(key, { url: me, accessToken: expired }),
    );
    await assertRefused(stack, response, 'invalid_token', 'expired');
  });

  it('answers 400 with a DPoP invalid_request challenge to a DPoP header without a token', async () => {
    const response = await fetch(me, { headers: { authorization: 'DPoP' } });
    assert.equal(response.status, 400);
    assert.match(
      response.headers.get('www-authenticate') ?? '',
      /^DPoP error="invalid_request", error_description="DPoP without a token"/,
    );
  });

  it('answers 403 insufficient_scope in the DPoP scheme to a bound token without the scope', async () => {
    const audit = `${stack.api.url}/api/audit-log`;
    const response = await callApi(
      audit,
      boundToken,
      await proof(key, { url: audit, accessToken: boundToken }),
    );
    assert.equal(response.status, 403);
    assert.equal(
      response.headers.get('www-authenticate'),
      'DPoP error="insufficient_scope", error_description="this resource needs the audit scope", algs="ES256", scope="audit"',
    );
  });

  it('lets the app send the DPoP header and read DPoP-Nonce (CORS)', async () => {
    const preflight = await fetch(me, {
      method: 'OPTIONS',
      headers: {
        origin: APP_ORIGIN,
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization,dpop',
      },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-headers'), 'Authorization, DPoP');
    const refused = await fetch(me, {
      headers: { origin: APP_ORIGIN, authorization: `DPoP ${boundToken}` },
    });
    assert.equal(
      refused.headers.get('access-control-expose-headers'),
      'WWW-Authenticate, DPoP-Nonce',
    );
  });
});
