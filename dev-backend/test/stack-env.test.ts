/**
 * BFF mode's dev scripts require and use the BFF's confidential client, not the app's public one
 * (scripts/stack-env.mjs, scripts/bff-env.mjs), and the default scopes leave offline_access out.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

type StackEnv = { external: { clientId: string; scope: string } | null };
type Env = Record<string, string>;
// Loaded by path: the scripts are plain JavaScript, outside this tsconfig's types.
const scripts = ['../../scripts/stack-env.mjs', '../../scripts/bff-env.mjs'];
const { stackEnv } = (await import(scripts[0]!)) as { stackEnv(env: Env): StackEnv };
const { bffEnv } = (await import(scripts[1]!)) as { bffEnv(env: StackEnv): Env };

const ISSUER = 'https://sso.example.com/realms/demo';

describe('the dev scripts with an external provider', () => {
  it('browser mode requires the public client, and asks for no offline_access by default', () => {
    assert.throws(() => stackEnv({ OIDC_ISSUER: ISSUER }), /OIDC_CLIENT_ID is required/);
    const env = stackEnv({ OIDC_ISSUER: ISSUER, OIDC_CLIENT_ID: 'my-spa' });
    assert.equal(env.external?.clientId, 'my-spa');
    assert.equal(env.external?.scope, 'openid profile');
  });

  it("BFF mode requires the BFF's client and secret, and never uses the public client", () => {
    const base = { AUTH_MODE: 'bff', OIDC_ISSUER: ISSUER, OIDC_CLIENT_ID: 'my-spa' };
    assert.throws(
      () => stackEnv(base),
      /BFF_CLIENT_ID is required with OIDC_ISSUER and AUTH_MODE=bff/,
    );
    assert.throws(
      () => stackEnv({ ...base, BFF_CLIENT_ID: 'my-bff' }),
      /BFF_CLIENT_SECRET is required/,
    );
    const env = stackEnv({ ...base, BFF_CLIENT_ID: 'my-bff', BFF_CLIENT_SECRET: 's3cret' });
    assert.equal(env.external?.clientId, 'my-bff');
    const bff = bffEnv(env);
    assert.equal(bff.OIDC_CLIENT_ID, 'my-bff');
    assert.equal(bff.OIDC_CLIENT_SECRET, 's3cret');
    assert.equal(bff.OIDC_ISSUER, ISSUER);
    assert.equal(bff.OIDC_SCOPE, 'openid profile');
  });

  it('BFF mode against the dev provider keeps the dev client and its explicit scope', () => {
    const bff = bffEnv(stackEnv({ AUTH_MODE: 'bff' }));
    assert.equal(bff.OIDC_CLIENT_ID, process.env['BFF_CLIENT_ID'] || 'demo-bff');
    assert.equal(bff.OIDC_SCOPE, process.env['BFF_SCOPE'] || 'openid profile offline_access api');
  });
});
