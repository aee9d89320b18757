import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { readDpopSettings, readSettings, SettingsError } from '../settings.ts';

describe('readDpopSettings', () => {
  it('makes the app client DPoP-bound by default and leaves nonces optional', () => {
    assert.deepEqual(readDpopSettings({}), {
      demoClientDpop: 'required',
      idpDpopNonce: 'optional',
      apiDpopNonce: 'optional',
    });
  });

  it('lets DEMO_CLIENT_DPOP=optional accept token requests without a proof again', () => {
    assert.equal(readDpopSettings({ DEMO_CLIENT_DPOP: 'optional' }).demoClientDpop, 'optional');
    assert.equal(readDpopSettings({ DEMO_CLIENT_DPOP: '' }).demoClientDpop, 'required');
  });

  it('stops on a value that is neither optional nor required', () => {
    assert.throws(() => readDpopSettings({ API_DPOP_NONCE: 'maybe' }), SettingsError);
  });
});

describe('readSettings', () => {
  it('uses the contract defaults when nothing is set', () => {
    assert.deepEqual(readSettings({}), {
      appPort: 4200,
      idpPort: 9000,
      apiPort: 3000,
      accessTokenTtl: 60,
      refreshTokenTtl: 86400,
      appOrigin: 'http://localhost:4200',
      provider: 'bundled',
      issuer: 'http://localhost:9000',
      apiAudience: 'http://localhost:3000',
      apiDelayMs: 0,
      paymentsMaxAge: 300,
    });
  });

  it('derives the origins from the ports', () => {
    const settings = readSettings({
      APP_PORT: '4300',
      IDP_PORT: '9100',
      API_PORT: '3100',
      ACCESS_TOKEN_TTL: '5',
    });
    assert.equal(settings.appOrigin, 'http://localhost:4300');
    assert.equal(settings.issuer, 'http://localhost:9100');
    assert.equal(settings.apiAudience, 'http://localhost:3100');
    assert.equal(settings.accessTokenTtl, 5);
  });

  it('treats an empty value as unset', () => {
    assert.equal(readSettings({ IDP_PORT: '' }).idpPort, 9000);
  });

  it('reads the payments step-up max_age', () => {
    assert.equal(readSettings({ PAYMENTS_MAX_AGE: '20' }).paymentsMaxAge, 20);
    assert.throws(() => readSettings({ PAYMENTS_MAX_AGE: '0' }), SettingsError);
  });

  for (const [name, value] of [
    ['IDP_PORT', 'abc'],
    ['API_PORT', '70000'],
    ['APP_PORT', '0'],
    ['ACCESS_TOKEN_TTL', '0'],
    ['ACCESS_TOKEN_TTL', '1.5'],
    ['REFRESH_TOKEN_TTL', '-1'],
    ['REFRESH_TOKEN_TTL', '1e3'],
  ] as const) {
    it(`fails fast naming ${name} for "${value}"`, () => {
      assert.throws(
        () => readSettings({ [name]: value }),
        (error: unknown) => {
          assert.ok(error instanceof SettingsError);
          assert.match(error.message, new RegExp(`^${name} `));
          return true;
        },
      );
    });
  }

  it('refuses two parts on the same port', () => {
    assert.throws(
      () => readSettings({ API_PORT: '9000' }),
      /IDP_PORT \(9000\) and API_PORT \(9000\)/,
    );
  });
});
