/**
 * Client authentication the provider accepts: OIDC_CLIENT_AUTH (client_secret_basic or
 * client_secret_post), else discovery's choice when unambiguous, against the real dev provider
 * switched to behave like providers seen in the wild (provider-quirks.ts). The client id has `-`,
 * `.` and `~`, which RFC 6749 §2.3.1's form-encoding turns into `%2D`, `.` and `~` in a Basic
 * header (openid-client encodes `-` too).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { chooseClientAuth } from '../client-auth.ts';
import { ConfigError } from '../errors.ts';
import type { ProviderQuirks } from '../../dev-backend/identity-provider/provider-quirks.ts';
import { Browser } from './helpers/browser.ts';
import { startBff, startStack, type RunningBff, type Stack } from './helpers/stack.ts';

const CLIENT_ID = 'demo-bff.with~tricky-chars';

/** A provider with `quirks`, a BFF with `env` in front; sign in once; the BFF's log. */
async function signInAgainst(
  quirks: ProviderQuirks,
  env: Record<string, string> = {},
): Promise<{ landed: URL; log: string; grants: number }> {
  const stack: Stack = await startStack({ quirks: { bffClientId: CLIENT_ID, ...quirks } });
  let bff: RunningBff | undefined;
  try {
    bff = await startBff(stack, { env });
    const landed = await new Browser(stack.origin).signIn({ returnUrl: '/profile' });
    return {
      landed,
      log: bff.log(),
      grants: stack.idp.stats.snapshot().grants['authorization_code'] ?? 0,
    };
  } finally {
    await bff?.close();
    await stack.close();
  }
}

describe('client authentication at the token endpoint', () => {
  it('signs in with client_secret_basic (the default) when the provider decodes it', async () => {
    const { landed, grants } = await signInAgainst({});
    assert.equal(landed.pathname, '/profile');
    assert.equal(grants, 1);
  });

  it('is refused by a provider that does not decode client_secret_basic, and names why', async () => {
    const { landed, log, grants } = await signInAgainst({ undecodedBasicAuth: true });
    assert.equal(landed.pathname, '/login');
    assert.equal(landed.searchParams.get('error'), 'client_refused');
    assert.equal(landed.searchParams.get('detail'), 'invalid_client');
    assert.equal(landed.searchParams.get('returnUrl'), '/profile');
    assert.equal(grants, 0);
    const line = log.split('\n').find((entry) => entry.includes('sign-in failed'));
    assert.ok(line, log);
    const failure = (JSON.parse(line) as { failure: Record<string, unknown> }).failure;
    assert.equal(failure['status'], 401);
    assert.equal(failure['error'], 'invalid_client');
    assert.equal(typeof failure['errorDescription'], 'string');
    assert.doesNotMatch(log, /dev-bff-secret-not-for-production/);
  });

  it('signs in there with OIDC_CLIENT_AUTH=client_secret_post', async () => {
    const { landed, grants } = await signInAgainst(
      { undecodedBasicAuth: true },
      { OIDC_CLIENT_AUTH: 'client_secret_post' },
    );
    assert.equal(landed.pathname, '/profile');
    assert.equal(grants, 1);
  });

  it('picks client_secret_post from discovery when it is the only method offered', async () => {
    const { landed, grants } = await signInAgainst({ clientSecretMethod: 'client_secret_post' });
    assert.equal(landed.pathname, '/profile');
    assert.equal(grants, 1);
  });

  it('is refused when told client_secret_basic at a client_secret_post-only provider', async () => {
    const { landed, log } = await signInAgainst(
      { clientSecretMethod: 'client_secret_post' },
      { OIDC_CLIENT_AUTH: 'client_secret_basic' },
    );
    assert.equal(landed.searchParams.get('error'), 'client_refused', `${landed.href}\n${log}`);
  });

  it('signs in with client_secret_basic at a client_secret_basic-only provider', async () => {
    const { landed, grants } = await signInAgainst(
      { clientSecretMethod: 'client_secret_basic' },
      { OIDC_CLIENT_AUTH: 'client_secret_basic' },
    );
    assert.equal(landed.pathname, '/profile');
    assert.equal(grants, 1);
  });
});

describe('choosing the method', () => {
  it('uses OIDC_CLIENT_AUTH over discovery', () => {
    assert.deepEqual(chooseClientAuth('client_secret_post', ['client_secret_basic']), {
      method: 'client_secret_post',
      from: 'OIDC_CLIENT_AUTH',
    });
  });

  it('takes the one method discovery offers, and client_secret_basic when both or none are listed', () => {
    assert.equal(
      chooseClientAuth(undefined, ['none', 'client_secret_post']).method,
      'client_secret_post',
    );
    assert.equal(
      chooseClientAuth(undefined, ['client_secret_basic']).method,
      'client_secret_basic',
    );
    assert.deepEqual(chooseClientAuth(undefined, ['client_secret_post', 'client_secret_basic']), {
      method: 'client_secret_basic',
      from: 'default',
    });
    assert.deepEqual(chooseClientAuth(undefined, undefined), {
      method: 'client_secret_basic',
      from: 'default',
    });
  });

  it('refuses to guess when discovery offers neither, naming OIDC_CLIENT_AUTH', () => {
    assert.throws(
      () => chooseClientAuth(undefined, ['private_key_jwt', 'tls_client_auth']),
      (error: unknown) => error instanceof ConfigError && /OIDC_CLIENT_AUTH/.test(error.message),
    );
  });
});
