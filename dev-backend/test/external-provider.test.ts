import assert from 'node:assert/strict';
import { after, before, describe, it, mock } from 'node:test';
import { decodeJwt, decodeProtectedHeader, SignJWT } from 'jose';

import type { ApiStatsSnapshot } from '../resource-api/dev-stats.ts';
import { startResourceApi, type RunningResourceApi } from '../resource-api/server.ts';
import {
  SECOND_JWKS_PATH,
  startSecondProvider,
  type RunningSecondProvider,
} from '../second-provider/server.ts';
import { readSettings, SettingsError } from '../settings.ts';
import { freePort } from '../shared/free-port.ts';
import { readStats } from './helpers/dev-stats-client.ts';
import { refresh, signIn, type TokenResponse } from './helpers/oidc-flow.ts';
import { APP_ORIGIN, withOptionalDpopByDefault } from './helpers/stack.ts';

/** The second provider and an API in external mode, as `OIDC_ISSUER=… npm start` wires them. */
async function startExternalPair(
  providerOptions: { opaqueAccessTokens?: boolean } = {},
  profile: 'external' | 'bundled' = 'external',
) {
  const apiPort = await freePort();
  const audience = `http://localhost:${apiPort}`;
  // These tests sign in without proofs, as a Bearer client of the second provider.
  const provider = await withOptionalDpopByDefault(() =>
    startSecondProvider({
      port: 0,
      appOrigin: APP_ORIGIN,
      apiAudience: audience,
      ...providerOptions,
    }),
  );
  const api = await startResourceApi({
    port: apiPort,
    issuer: provider.issuer,
    audience,
    appOrigin: APP_ORIGIN,
    profile,
    // The strict profile would look at <issuer>/jwks; point it at the real keys so that it is
    // the token type, not a missing key, that it refuses.
    ...(profile === 'bundled' ? { jwksUri: `${provider.issuer}${SECOND_JWKS_PATH}` } : {}),
  });
  return {
    provider,
    api,
    close: () => Promise.all([provider.close(), api.close()]),
  };
}

const getMe = (api: RunningResourceApi, token: string) =>
  fetch(`${api.url}/api/me`, { headers: { authorization: `Bearer ${token}` } });

describe('the dev API against a differently configured provider (external mode)', () => {
  let pair: Awaited<ReturnType<typeof startExternalPair>>;
  let provider: RunningSecondProvider;
  let tokens: TokenResponse;
  before(async () => {
    pair = await startExternalPair();
    provider = pair.provider;
    ({ tokens } = await signIn(provider.issuer));
  });
  after(() => pair.close());

  it('is really another setup: issuer with a path, keys elsewhere than /jwks, typ JWT', async () => {
    assert.match(provider.issuer, /\/realms\/demo$/);
    assert.equal((await fetch(`${provider.issuer}/jwks`)).status, 404);
    assert.equal(decodeProtectedHeader(tokens.access_token).typ, 'JWT');
  });

  it("accepts the provider's access token, with keys found through discovery's jwks_uri", async () => {
    const response = await getMe(pair.api, tokens.access_token);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { sub: 'alice', name: 'Alice Liddell' });
  });

  it('accepts the access token of a refresh too', async () => {
    const refreshed = (await (await refresh(provider.issuer, tokens.refresh_token!)).json()) as {
      access_token: string;
    };
    assert.equal((await getMe(pair.api, refreshed.access_token)).status, 200);
  });

  it('refuses the ID token, although it is a JWT of the same provider', async () => {
    const response = await getMe(pair.api, tokens.id_token!);
    assert.equal(response.status, 401);
    assert.match(response.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
  });

  it('refuses an HMAC-signed token (asymmetric algorithms only)', async () => {
    const claims = decodeJwt(tokens.access_token);
    const hmac = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .sign(new TextEncoder().encode('a secret the API must never accept'));
    const response = await getMe(pair.api, hmac);
    assert.equal(response.status, 401);
    const stats = await readStats<ApiStatsSnapshot>(pair.api.url);
    assert.equal(stats.unauthorized['alg_not_allowed'], 1);
  });

  it('keeps RFC 9068 strictness for the bundled profile: the same token is refused as wrong_type', async () => {
    const strict = await startExternalPair({}, 'bundled');
    try {
      const { tokens: strictTokens } = await signIn(strict.provider.issuer);
      const response = await getMe(strict.api, strictTokens.access_token);
      assert.equal(response.status, 401);
      const stats = await readStats<ApiStatsSnapshot>(strict.api.url);
      assert.deepEqual(stats.unauthorized, { wrong_type: 1 });
    } finally {
      await strict.close();
    }
  });
});

describe('an opaque access token', () => {
  let pair: Awaited<ReturnType<typeof startExternalPair>>;
  let tokens: TokenResponse;
  before(async () => {
    pair = await startExternalPair({ opaqueAccessTokens: true });
    ({ tokens } = await signIn(pair.provider.issuer));
  });
  after(() => pair.close());

  it('is refused with a 401 whose reason says to switch the provider to JWT access tokens, logged once without the token', async () => {
    assert.ok(!tokens.access_token.includes('.'), 'the provider really issues opaque tokens');
    const warn = mock.method(console, 'warn', () => undefined);
    try {
      const first = await getMe(pair.api, tokens.access_token);
      const second = await getMe(pair.api, tokens.access_token);
      for (const response of [first, second]) {
        assert.equal(response.status, 401);
        const body = (await response.json()) as { error: string; error_description: string };
        assert.equal(body.error, 'invalid_token');
        assert.match(body.error_description, /^opaque access token: .*JWT access tokens/);
        assert.match(
          response.headers.get('www-authenticate') ?? '',
          /^Bearer error="invalid_token", error_description="opaque access token: [^"]*JWT access tokens/,
        );
      }
      assert.equal(warn.mock.callCount(), 1);
      const logged = String(warn.mock.calls[0]!.arguments[0]);
      assert.match(logged, /opaque \(non-JWT\) access token .*JWT access tokens/);
      assert.ok(!logged.includes(tokens.access_token), 'the token is never logged');
    } finally {
      warn.mock.restore();
    }
    const stats = await readStats<ApiStatsSnapshot>(pair.api.url);
    assert.deepEqual(stats.unauthorized, { opaque_token: 2 });
  });
});

describe('an external provider that cannot be reached', () => {
  it('makes the API answer 503, not 401: the token is not at fault', async () => {
    const closedPort = await freePort();
    const api = await startResourceApi({
      port: 0,
      issuer: `http://localhost:${closedPort}/realms/demo`,
      audience: 'http://localhost:1',
      appOrigin: APP_ORIGIN,
      profile: 'external',
    });
    const errors = mock.method(console, 'error', () => undefined);
    try {
      const token = await new SignJWT({ sub: 'alice' })
        .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
        .sign(
          (
            await crypto.subtle.generateKey(
              {
                name: 'RSASSA-PKCS1-v1_5',
                modulusLength: 2048,
                publicExponent: new Uint8Array([1, 0, 1]),
                hash: 'SHA-256',
              },
              false,
              ['sign', 'verify'],
            )
          ).privateKey,
        );
      assert.equal((await getMe(api, token)).status, 503);
    } finally {
      errors.mock.restore();
      await api.close();
    }
  });
});

describe('external-provider settings', () => {
  it('OIDC_ISSUER selects the external provider and is kept exactly, trailing slash included', () => {
    const settings = readSettings({
      OIDC_ISSUER: 'https://example.eu.auth0.com/',
      OIDC_AUDIENCE: 'https://api.example.com',
      IDP_PORT: '3000',
    });
    assert.equal(settings.provider, 'external');
    assert.equal(settings.issuer, 'https://example.eu.auth0.com/');
    assert.equal(settings.apiAudience, 'https://api.example.com');
  });

  it('without OIDC_AUDIENCE the audience is the API origin; any string is allowed', () => {
    assert.equal(
      readSettings({ OIDC_ISSUER: 'http://localhost:9555/realms/demo' }).apiAudience,
      'http://localhost:3000',
    );
    assert.equal(
      readSettings({ OIDC_ISSUER: 'https://a.example', OIDC_AUDIENCE: 'my-api' }).apiAudience,
      'my-api',
    );
  });

  for (const value of ['auth.example.com', 'http://auth.example.com', 'https://a.example/?x=1']) {
    it(`fails fast naming OIDC_ISSUER for "${value}"`, () => {
      assert.throws(
        () => readSettings({ OIDC_ISSUER: value }),
        (error: unknown) => error instanceof SettingsError && /^OIDC_ISSUER /.test(error.message),
      );
    });
  }
});
