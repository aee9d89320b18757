import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';

import { BENCH_CLIENT_IDS } from '../identity-provider/bench-clients.ts';
import { startResourceApi, type RunningResourceApi } from '../resource-api/server.ts';
import { newDpopKey, proof, thumbprint, type KeyPair } from './helpers/dpop.ts';
import { authorize, exchangeCode, refreshToken, withEnvironment } from './helpers/dpop-flow.ts';
import type { TokenResponse } from './helpers/oidc-flow.ts';
import { APP_ORIGIN, startStack, type TestStack } from './helpers/stack.ts';

const APP_CLIENT = 'demo-spa';

interface OAuthError {
  readonly error: string;
  readonly error_description?: string;
}

/** Signs in as the app with proofs of `key` and returns the DPoP-bound token response. */
async function signInBound(stack: TestStack, key: KeyPair): Promise<TokenResponse> {
  const tokenUrl = `${stack.idp.issuer}/token`;
  const issued = await authorize(stack.idp.issuer, APP_CLIENT);
  const response = await exchangeCode(
    stack.idp.issuer,
    issued,
    await proof(key, { url: tokenUrl, method: 'POST' }),
  );
  assert.equal(response.status, 200, await response.clone().text());
  return (await response.json()) as TokenResponse;
}

/** GET /api/me with `Authorization: DPoP` and a proof of `key`. */
async function callWithDpop(
  api: RunningResourceApi,
  token: string,
  key: KeyPair,
  nonce?: string,
): Promise<Response> {
  const url = `${api.url}/api/me`;
  return fetch(url, {
    headers: {
      authorization: `DPoP ${token}`,
      dpop: await proof(key, { url, accessToken: token, nonce }),
    },
  });
}

describe('DPoP-bound tokens from the dev provider (DEMO_CLIENT_DPOP=optional, the test stack default)', () => {
  let stack: TestStack;
  let tokenUrl: string;
  before(async () => {
    stack = await startStack();
    tokenUrl = `${stack.idp.issuer}/token`;
  });
  after(() => stack.close());

  it('advertises DPoP with ES256, the one algorithm the API accepts', async () => {
    const discovery = (await (
      await fetch(`${stack.idp.issuer}/.well-known/openid-configuration`)
    ).json()) as {
      dpop_signing_alg_values_supported?: string[];
    };
    assert.deepEqual(discovery.dpop_signing_alg_values_supported, ['ES256']);
  });

  it('binds the tokens of a code exchange with a proof, and the API accepts them only with a proof of that key', async () => {
    const key = await newDpopKey();
    const tokens = await signInBound(stack, key);
    assert.equal(tokens.token_type, 'DPoP');
    assert.deepEqual(decodeJwt(tokens.access_token)['cnf'], { jkt: await thumbprint(key) });

    const ok = await callWithDpop(stack.api, tokens.access_token, key);
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { sub: 'alice', name: 'Alice Liddell' });

    // A copied token is useless: as Bearer, as DPoP without a proof, with a proof of another key.
    const me = `${stack.api.url}/api/me`;
    const asBearer = await fetch(me, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    assert.equal(asBearer.status, 401);
    const noProof = await fetch(me, { headers: { authorization: `DPoP ${tokens.access_token}` } });
    assert.equal(noProof.status, 401);
    const otherKey = await callWithDpop(stack.api, tokens.access_token, await newDpopKey());
    assert.equal(otherKey.status, 401);
  });

  it('refreshes with a proof of the same key into new bound tokens', async () => {
    const key = await newDpopKey();
    const tokens = await signInBound(stack, key);
    const response = await refreshToken(
      stack.idp.issuer,
      APP_CLIENT,
      tokens.refresh_token!,
      await proof(key, { url: tokenUrl, method: 'POST' }),
    );
    assert.equal(response.status, 200);
    const refreshed = (await response.json()) as TokenResponse;
    assert.equal(refreshed.token_type, 'DPoP');
    assert.notEqual(refreshed.refresh_token, tokens.refresh_token);
    assert.equal((await callWithDpop(stack.api, refreshed.access_token, key)).status, 200);
  });

  it('answers invalid_grant to a refresh without the key: no proof, or a proof of another key', async () => {
    const key = await newDpopKey();
    const tokens = await signInBound(stack, key);
    const withoutProof = await refreshToken(stack.idp.issuer, APP_CLIENT, tokens.refresh_token!);
    assert.equal(withoutProof.status, 400);
    assert.equal(((await withoutProof.json()) as OAuthError).error, 'invalid_grant');

    const thief = await newDpopKey();
    const withOtherKey = await refreshToken(
      stack.idp.issuer,
      APP_CLIENT,
      tokens.refresh_token!,
      await proof(thief, { url: tokenUrl, method: 'POST' }),
    );
    assert.equal(withOtherKey.status, 400);
    assert.equal(((await withOtherKey.json()) as OAuthError).error, 'invalid_grant');
  });

  it('still issues Bearer tokens to the app without a proof, which the API accepts as before', async () => {
    const response = await exchangeCode(
      stack.idp.issuer,
      await authorize(stack.idp.issuer, APP_CLIENT),
    );
    const tokens = (await response.json()) as TokenResponse;
    assert.equal(tokens.token_type, 'Bearer');
    assert.equal(decodeJwt(tokens.access_token)['cnf'], undefined);
    const me = await fetch(`${stack.api.url}/api/me`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    assert.equal(me.status, 200);
  });

  it('lets the app send a proof to the token endpoint and read DPoP-Nonce (CORS)', async () => {
    const preflight = await fetch(tokenUrl, {
      method: 'OPTIONS',
      headers: {
        origin: APP_ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,dpop',
      },
    });
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /\bdpop\b/i);
    const key = await newDpopKey();
    const issued = await authorize(stack.idp.issuer, APP_CLIENT);
    const response = await fetch(tokenUrl, {
      method: 'POST',
      headers: {
        origin: APP_ORIGIN,
        'content-type': 'application/x-www-form-urlencoded',
        dpop: await proof(key, { url: tokenUrl, method: 'POST' }),
      },
      body: new URLSearchParams({
        client_id: APP_CLIENT,
        grant_type: 'authorization_code',
        code: issued.code,
        redirect_uri: `${APP_ORIGIN}/`,
        code_verifier: issued.verifier,
      }).toString(),
    });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('access-control-expose-headers') ?? '', /\bDPoP-Nonce\b/);
  });

  describe('with API_DPOP_NONCE=required (the API demands its nonce)', () => {
    let strictApi: RunningResourceApi;
    before(async () => {
      strictApi = await startResourceApi({
        port: 0,
        issuer: stack.idp.issuer,
        audience: stack.api.url,
        appOrigin: APP_ORIGIN,
        dpopNonce: 'required',
      });
    });
    after(() => strictApi.close());

    it('answers use_dpop_nonce with a DPoP-Nonce header, then accepts the retry with it', async () => {
      const key = await newDpopKey();
      const tokens = await signInBound(stack, key);
      const first = await callWithDpop(strictApi, tokens.access_token, key);
      assert.equal(first.status, 401);
      assert.match(first.headers.get('www-authenticate') ?? '', /^DPoP error="use_dpop_nonce"/);
      const nonce = first.headers.get('dpop-nonce');
      assert.ok(nonce);

      const retry = await callWithDpop(strictApi, tokens.access_token, key, nonce);
      assert.equal(retry.status, 200);
      // Bearer tokens are not affected by the nonce requirement.
      const bearer = (await (
        await exchangeCode(stack.idp.issuer, await authorize(stack.idp.issuer, APP_CLIENT))
      ).json()) as TokenResponse;
      const me = await fetch(`${strictApi.url}/api/me`, {
        headers: { authorization: `Bearer ${bearer.access_token}` },
      });
      assert.equal(me.status, 200);
    });
  });
});

describe('DEMO_CLIENT_DPOP=required and IDP_DPOP_NONCE=required', () => {
  let stack: TestStack;
  let tokenUrl: string;
  before(async () => {
    stack = await withEnvironment(
      { DEMO_CLIENT_DPOP: 'required', IDP_DPOP_NONCE: 'required' },
      () => startStack(),
    );
    tokenUrl = `${stack.idp.issuer}/token`;
  });
  after(() => stack.close());

  it('refuses the app a code exchange without a proof', async () => {
    const response = await exchangeCode(
      stack.idp.issuer,
      await authorize(stack.idp.issuer, APP_CLIENT),
    );
    assert.equal(response.status, 400);
    // oidc-provider keeps the reason ("DPoP proof JWT not provided") out of the answer.
    assert.equal(((await response.json()) as OAuthError).error, 'invalid_grant');
  });

  it('asks for its nonce (use_dpop_nonce + DPoP-Nonce), then binds the tokens on the retry', async () => {
    const key = await newDpopKey();
    const issued = await authorize(stack.idp.issuer, APP_CLIENT);
    const first = await exchangeCode(
      stack.idp.issuer,
      issued,
      await proof(key, { url: tokenUrl, method: 'POST' }),
    );
    assert.equal(first.status, 400);
    assert.equal(((await first.json()) as OAuthError).error, 'use_dpop_nonce');
    const nonce = first.headers.get('dpop-nonce');
    assert.ok(nonce);

    // The code was not used up by the refused attempt.
    const retry = await exchangeCode(
      stack.idp.issuer,
      issued,
      await proof(key, { url: tokenUrl, method: 'POST', nonce }),
    );
    assert.equal(retry.status, 200);
    const tokens = (await retry.json()) as TokenResponse;
    assert.equal(tokens.token_type, 'DPoP');
    assert.equal((await callWithDpop(stack.api, tokens.access_token, key)).status, 200);
  });

  for (const clientId of BENCH_CLIENT_IDS) {
    it(`keeps Bearer tokens for the benchmark baseline ${clientId}`, async () => {
      const response = await exchangeCode(
        stack.idp.issuer,
        await authorize(stack.idp.issuer, clientId),
      );
      assert.equal(response.status, 200);
      const tokens = (await response.json()) as TokenResponse;
      assert.equal(tokens.token_type, 'Bearer');
      const me = await fetch(`${stack.api.url}/api/me`, {
        headers: { authorization: `Bearer ${tokens.access_token}` },
      });
      assert.equal(me.status, 200);
      const refreshed = await refreshToken(stack.idp.issuer, clientId, tokens.refresh_token!);
      assert.equal(refreshed.status, 200);
    });
  }
});
