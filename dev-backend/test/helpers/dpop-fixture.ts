/**
 * What the API's DPoP tests share: a stack, a key, a token bound to it (as the provider issues
 * after a code exchange with a proof of that key), and the assertion for a DPoP refusal.
 */
import assert from 'node:assert/strict';

import type { ApiStatsSnapshot } from '../../resource-api/dev-stats.ts';
import { readStats } from './dev-stats-client.ts';
import { newDpopKey, thumbprint, type KeyPair } from './dpop.ts';
import { forgeAccessToken } from './forge.ts';
import { startStack, type TestStack } from './stack.ts';

export interface DpopFixture {
  readonly stack: TestStack;
  readonly key: KeyPair;
  /** A valid access token with `cnf.jkt` = the thumbprint of `key`. */
  readonly boundToken: string;
  /** The API's `/api/me` URL. */
  readonly me: string;
}

export async function startDpopFixture(): Promise<DpopFixture> {
  const stack = await startStack();
  const key = await newDpopKey();
  const boundToken = await forgeAccessToken(stack, {
    claims: { cnf: { jkt: await thumbprint(key) } },
  });
  return { stack, key, boundToken, me: `${stack.api.url}/api/me` };
}

/** GETs `url` with `Authorization: <scheme> <token>` and, when given, `DPoP: <proof>`. */
export function callApi(
  url: string,
  token: string,
  dpop?: string,
  scheme = 'DPoP',
): Promise<Response> {
  return fetch(url, {
    headers: { authorization: `${scheme} ${token}`, ...(dpop === undefined ? {} : { dpop }) },
  });
}

/** Asserts a 401 with the DPoP challenge for `error`, counted (alone) under `reason`. */
export async function assertRefused(
  stack: TestStack,
  response: Response,
  error: string,
  reason: string,
): Promise<void> {
  assert.equal(response.status, 401);
  assert.match(
    response.headers.get('www-authenticate') ?? '',
    new RegExp(`^DPoP error="${error}", error_description="[^"]+", algs="ES256"$`),
  );
  assert.equal(((await response.json()) as { error: string }).error, error);
  assert.deepEqual((await readStats<ApiStatsSnapshot>(stack.api.url)).unauthorized, {
    [reason]: 1,
  });
}
