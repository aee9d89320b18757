import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { decodeJwt, decodeProtectedHeader } from 'jose';

import type { ProviderStatsSnapshot } from '../identity-provider/dev-stats.ts';
import { readStats, resetStats } from './helpers/dev-stats-client.ts';
import { refresh, signIn, type TokenResponse } from './helpers/oidc-flow.ts';
import { startStack, type TestStack } from './helpers/stack.ts';

interface OAuthError {
  readonly error: string;
  readonly error_description?: string;
}

describe('refresh token rotation', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startStack();
  });
  after(() => stack.close());

  it('rotates the refresh token and keeps issuing JWT access tokens the API accepts', async () => {
    const { tokens } = await signIn(stack.idp.issuer);

    const response = await refresh(stack.idp.issuer, tokens.refresh_token!);
    assert.equal(response.status, 200);
    const refreshed = (await response.json()) as TokenResponse;

    assert.ok(refreshed.refresh_token);
    assert.notEqual(
      refreshed.refresh_token,
      tokens.refresh_token,
      'a new refresh token replaces the used one',
    );
    assert.equal(decodeProtectedHeader(refreshed.access_token).typ, 'at+jwt');
    assert.equal(decodeJwt(refreshed.access_token).aud, stack.api.url);
    assert.notEqual(refreshed.access_token, tokens.access_token);

    const me = await fetch(`${stack.api.url}/api/me`, {
      headers: { authorization: `Bearer ${refreshed.access_token}` },
    });
    assert.equal(me.status, 200);
    assert.deepEqual(await me.json(), { sub: 'alice', name: 'Alice Liddell' });
  });

  it('answers invalid_grant to a replayed refresh token and revokes the grant with it', async () => {
    const { tokens } = await signIn(stack.idp.issuer);
    const first = (await (
      await refresh(stack.idp.issuer, tokens.refresh_token!)
    ).json()) as TokenResponse;

    const replay = await refresh(stack.idp.issuer, tokens.refresh_token!);
    assert.equal(replay.status, 400);
    assert.equal(((await replay.json()) as OAuthError).error, 'invalid_grant');

    // The newest token of the chain died with the grant.
    const newest = await refresh(stack.idp.issuer, first.refresh_token!);
    assert.equal(newest.status, 400);
    assert.equal(((await newest.json()) as OAuthError).error, 'invalid_grant');
  });

  it('reports every grant and flags exactly the replayed refresh token in /__dev/stats', async () => {
    await resetStats(stack.idp.issuer);
    const { tokens } = await signIn(stack.idp.issuer);
    const first = (await (
      await refresh(stack.idp.issuer, tokens.refresh_token!)
    ).json()) as TokenResponse;
    await refresh(stack.idp.issuer, tokens.refresh_token!); // replay
    await refresh(stack.idp.issuer, first.refresh_token!); // valid once, but its grant is gone now
    await refresh(stack.idp.issuer, 'never-issued'); // unknown

    const stats = await readStats<ProviderStatsSnapshot>(stack.idp.issuer);
    assert.deepEqual(stats.grants, { authorization_code: 1, refresh_token: 1 });
    assert.deepEqual(
      stats.grantErrors.map(({ grantType, error, description, replayedRefreshToken }) => ({
        grantType,
        error,
        description,
        replayedRefreshToken,
      })),
      [
        {
          grantType: 'refresh_token',
          error: 'invalid_grant',
          description: 'refresh token already used',
          replayedRefreshToken: true,
        },
        {
          grantType: 'refresh_token',
          error: 'invalid_grant',
          description: 'refresh token not found',
          replayedRefreshToken: false,
        },
        {
          grantType: 'refresh_token',
          error: 'invalid_grant',
          description: 'refresh token not found',
          replayedRefreshToken: false,
        },
      ],
    );
    assert.ok(stats.grantErrors.every(({ at }) => !Number.isNaN(Date.parse(at))));
    assert.equal(stats.authorizations, 1);
    assert.equal(stats.grantsRevoked, 1);
  });

  it('still flags a replay of a token that an earlier replay already destroyed', async () => {
    const { tokens } = await signIn(stack.idp.issuer);
    await refresh(stack.idp.issuer, tokens.refresh_token!);
    await refresh(stack.idp.issuer, tokens.refresh_token!);
    await resetStats(stack.idp.issuer);

    await refresh(stack.idp.issuer, tokens.refresh_token!);

    const stats = await readStats<ProviderStatsSnapshot>(stack.idp.issuer);
    assert.equal(stats.grantErrors.length, 1);
    assert.equal(stats.grantErrors[0]?.replayedRefreshToken, true);
  });
});

describe('refresh token lifetime', () => {
  const refreshTokenTtl = 4;
  let stack: TestStack;
  before(async () => {
    stack = await startStack({ refreshTokenTtl });
  });
  after(() => stack.close());

  it('never extends a session beyond REFRESH_TOKEN_TTL after sign-in through rotation', async () => {
    const { tokens } = await signIn(stack.idp.issuer);
    const signedInAt = Date.now();

    // Rotate half-way: had rotation granted a fresh TTL, the new token would live until ~6 s.
    await delay(2000);
    const rotated = await refresh(stack.idp.issuer, tokens.refresh_token!);
    assert.equal(rotated.status, 200);
    const { refresh_token: next } = (await rotated.json()) as TokenResponse;

    await delay(signedInAt + refreshTokenTtl * 1000 + 200 - Date.now());
    const late = await refresh(stack.idp.issuer, next!);
    assert.equal(late.status, 400);
    const body = (await late.json()) as OAuthError;
    assert.equal(body.error, 'invalid_grant');
    const [lastError] = (
      await readStats<ProviderStatsSnapshot>(stack.idp.issuer)
    ).grantErrors.slice(-1);
    assert.equal(lastError?.description, 'refresh token is expired');
    assert.equal(lastError?.replayedRefreshToken, false);
  });
});
