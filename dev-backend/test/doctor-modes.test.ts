/**
 * The doctor never fails a working setup, in either mode: against the dev provider switched to
 * behave like other certified providers (provider-quirks.ts) it exits 0, and each injected
 * misconfiguration is named, as a FAIL only when it is proved broken.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';

import { BFF_CALLBACK_PATH, DEV_BFF_CLIENT_SECRET } from '../identity-provider/bff-client.ts';
import type { ProviderQuirks } from '../identity-provider/provider-quirks.ts';
import { startIdentityProvider } from '../identity-provider/server.ts';
import { startSecondProvider, type SecondProviderOptions } from '../second-provider/server.ts';
import { freePort } from '../shared/free-port.ts';
import type { BffClientConfig, CheckId, DoctorConfig, DoctorReport } from '../../doctor/finding.ts';
import { runDoctor } from '../../doctor/run-doctor.ts';
import { APP_SCOPE, CLIENT_ID } from './helpers/oidc-flow.ts';
import { APP_ORIGIN } from './helpers/stack.ts';

const TRICKY_BFF_ID = 'demo-bff.with~tricky-chars';
type Mode = 'browser' | 'bff';

function options(
  mode: Mode,
  issuer: string,
  quirks: ProviderQuirks,
  bff: Partial<BffClientConfig> = {},
): { config: DoctorConfig; appOrigin: string; bff?: BffClientConfig } {
  if (mode === 'browser') {
    return {
      config: {
        issuer,
        clientId: CLIENT_ID,
        scope: APP_SCOPE,
        redirectPath: '/',
        postLogoutPath: '/',
      },
      appOrigin: APP_ORIGIN,
    };
  }
  return {
    config: {
      issuer,
      clientId: quirks.bffClientId ?? 'demo-bff',
      scope: 'openid profile offline_access api',
      postLogoutPath: '/',
    },
    appOrigin: APP_ORIGIN,
    bff: { clientSecret: DEV_BFF_CLIENT_SECRET, callbackPath: BFF_CALLBACK_PATH, ...bff },
  };
}

/** The doctor's report on the dev provider with `quirks`. */
async function diagnoseDev(
  mode: Mode,
  quirks: ProviderQuirks,
  bff: Partial<BffClientConfig> = {},
): Promise<DoctorReport> {
  const idp = await startIdentityProvider({
    port: 0,
    appOrigin: APP_ORIGIN,
    apiAudience: 'http://localhost:3999',
    accessTokenTtl: 60,
    refreshTokenTtl: 3600,
    quirks,
  });
  try {
    return await runDoctor(options(mode, idp.issuer, quirks, bff));
  } finally {
    await idp.close();
  }
}

/** The doctor's report on the second provider (an issuer with a path) with `provider` options. */
async function diagnoseSecond(
  mode: Mode,
  provider: Partial<SecondProviderOptions>,
  bff: Partial<BffClientConfig> = {},
): Promise<DoctorReport> {
  const second = await startSecondProvider({
    port: 0,
    appOrigin: APP_ORIGIN,
    apiAudience: 'http://localhost:3999',
    ...provider,
  });
  try {
    return await runDoctor(options(mode, second.issuer, {}, bff));
  } finally {
    await second.close();
  }
}

const failed = (report: DoctorReport): CheckId[] =>
  report.findings.filter((f) => f.status === 'fail').map((f) => f.id);

const finding = (report: DoctorReport, id: CheckId) => {
  const found = report.findings.find((candidate) => candidate.id === id);
  assert.ok(found, `no finding ${id}: ${report.findings.map((f) => f.id).join()}`);
  return found;
};

const WORKING: ReadonlyArray<[string, ProviderQuirks, Partial<BffClientConfig>]> = [
  ['the default dev provider', {}, {}],
  ['a login form on prompt=none', { promptNoneLoginForm: true }, {}],
  ['client_secret_post only', { clientSecretMethod: 'client_secret_post' }, {}],
  [
    'client_secret_basic not decoded, with OIDC_CLIENT_AUTH=client_secret_post',
    { undecodedBasicAuth: true, bffClientId: TRICKY_BFF_ID },
    { clientAuth: 'client_secret_post' },
  ],
];

for (const mode of ['browser', 'bff'] as const) {
  describe(`npm run doctor (${mode} mode) passes every working setup`, () => {
    for (const [name, quirks, bff] of WORKING) {
      it(`${name}: nothing fails`, async () => {
        const report = await diagnoseDev(mode, quirks, bff);
        assert.deepEqual(failed(report), [], JSON.stringify(report.findings, null, 1));
        assert.equal(report.signInCanWork, true);
      });
    }
  });
}

describe('npm run doctor tells a login form on prompt=none from a redirect and an error page', () => {
  for (const mode of ['browser', 'bff'] as const) {
    it(`${mode} mode: a warning that says the provider does not honour prompt=none`, async () => {
      const report = await diagnoseDev(mode, { promptNoneLoginForm: true });
      const redirect = finding(report, 'redirect-uri');
      assert.equal(redirect.status, 'warn');
      assert.match(redirect.detail, /login form .*does not honour prompt=none.*could not be told/);
      assert.match(redirect.fix ?? '', mode === 'bff' ? /\/bff\/callback/ : /localhost:4200\//);
    });
  }

  it('a redirect back with login_required proves the redirect URI', async () => {
    const report = await diagnoseDev('bff', {});
    const redirect = finding(report, 'redirect-uri');
    assert.equal(redirect.status, 'ok');
    assert.match(redirect.detail, /\/bff\/callback is registered .*login_required/);
  });

  it('an error page about the redirect URI is a FAIL, in BFF mode too', async () => {
    const report = await diagnoseDev('bff', {}, { callbackPath: '/bff/wrong-callback' });
    assert.deepEqual(failed(report), ['redirect-uri']);
    assert.match(finding(report, 'redirect-uri').detail, /redirect_uri/);
  });
});

describe("npm run doctor checks the BFF's confidential client", () => {
  it('proves the client is accepted: the invalid code is refused as invalid_grant', async () => {
    const report = await diagnoseDev('bff', {});
    const auth = finding(report, 'client-auth');
    assert.equal(auth.status, 'ok');
    assert.match(auth.detail, /client_secret_basic .*invalid_grant/);
    assert.equal(finding(report, 'backchannel-logout').status, 'ok');
    assert.equal(finding(report, 'post-logout-uri').status, 'ok');
    // The browser's checks do not apply to a server.
    for (const id of ['token-cors', 'public-client', 'revocation-cors'] as const) {
      assert.ok(!report.findings.some((f) => f.id === id), id);
    }
  });

  it('a wrong secret: client-auth FAILs as "client refused", not "grant refused"', async () => {
    const report = await diagnoseDev('bff', {}, { clientSecret: 'not-the-secret' });
    assert.deepEqual(failed(report), ['client-auth']);
    assert.match(
      finding(report, 'client-auth').detail,
      /refused .*the client is refused, not the grant/,
    );
    assert.match(finding(report, 'client-auth').fix ?? '', /OIDC_CLIENT_SECRET/);
  });

  it('undecoded client_secret_basic: names the method that works', async () => {
    const report = await diagnoseDev('bff', {
      undecodedBasicAuth: true,
      bffClientId: TRICKY_BFF_ID,
    });
    assert.deepEqual(failed(report), ['client-auth']);
    assert.match(finding(report, 'client-auth').detail, /form-encodes/);
    assert.equal(
      finding(report, 'client-auth').fix,
      'Set OIDC_CLIENT_AUTH=client_secret_post for the BFF.',
    );
  });

  it('no back-channel logout: a warning that sessions end at the next refresh', async () => {
    const report = await diagnoseSecond('bff', {
      rewriteDiscovery: ({ backchannel_logout_supported: _, ...document }) => document,
    });
    assert.equal(finding(report, 'backchannel-logout').status, 'warn');
    assert.match(finding(report, 'backchannel-logout').detail, /next refresh/);
    assert.deepEqual(failed(report), []);
  });

  it('an unregistered post-logout URI: a warning, never a FAIL', async () => {
    const idp = await startIdentityProvider({
      port: 0,
      appOrigin: APP_ORIGIN,
      apiAudience: 'http://localhost:3999',
      accessTokenTtl: 60,
      refreshTokenTtl: 3600,
    });
    try {
      const report = await runDoctor({
        ...options('bff', idp.issuer, {}),
        config: { ...options('bff', idp.issuer, {}).config, postLogoutPath: '/elsewhere' },
      });
      assert.equal(finding(report, 'post-logout-uri').status, 'warn');
      assert.match(finding(report, 'post-logout-uri').detail, /refused .*\/elsewhere/);
      assert.deepEqual(failed(report), []);
    } finally {
      await idp.close();
    }
  });
});

describe('npm run doctor names injected misconfigurations without a false FAIL', () => {
  it('HMAC on offer beside RS256: a warning naming the client setting (browser mode)', async () => {
    const report = await diagnoseSecond('browser', { idTokenAlgorithms: ['RS256', 'HS256'] });
    assert.equal(finding(report, 'id-token-alg').status, 'warn');
    assert.match(finding(report, 'id-token-alg').fix ?? '', /client-id-token-alg/);
    assert.deepEqual(failed(report), []);
  });

  it('HMAC on offer beside RS256: only info in BFF mode (the BFF takes the ID token from the token endpoint)', async () => {
    const report = await diagnoseSecond('bff', { idTokenAlgorithms: ['RS256', 'HS256'] });
    assert.equal(finding(report, 'id-token-alg').status, 'info');
    assert.deepEqual(failed(report), []);
  });

  it("CORS off for the app's origin fails browser mode, and is no concern of the BFF", async () => {
    const browser = await diagnoseSecond('browser', { corsOrigin: 'http://localhost:1' });
    assert.deepEqual(failed(browser), ['token-cors']);
    const bff = await diagnoseSecond('bff', { corsOrigin: 'http://localhost:1' });
    assert.deepEqual(failed(bff), []);
  });

  it('discovery without CORS fails browser mode (sign-in cannot start there), not BFF mode', async () => {
    const browser = await diagnoseSecond('browser', { discoveryWithoutCors: true });
    assert.deepEqual(failed(browser), ['discovery-cors']);
    assert.match(finding(browser, 'discovery-cors').detail, /no Access-Control-Allow-Origin/);
    const bff = await diagnoseSecond('bff', { discoveryWithoutCors: true });
    assert.deepEqual(failed(bff), []);
  });

  it('offline_access asked of a provider without revocation: a warning', async () => {
    const report = await diagnoseSecond('bff', {
      rewriteDiscovery: ({ revocation_endpoint: _, ...document }) => document,
    });
    assert.equal(finding(report, 'offline-access').status, 'warn');
    assert.match(finding(report, 'offline-access').detail, /no revocation endpoint/);
    assert.deepEqual(failed(report), []);
  });
});

describe('AUTH_MODE=bff npm run doctor', () => {
  const run = (env: Record<string, string>) =>
    promisify(execFile)(process.execPath, ['--import', 'tsx', 'doctor/main.ts'], {
      env: { ...process.env, OIDC_ISSUER: '', OIDC_CLIENT_ID: '', OIDC_SCOPE: '', ...env },
    });

  it('checks the BFF client of the dev stack and exits 0, or 1 when the client is refused', async () => {
    const idpPort = await freePort();
    const idp = await startIdentityProvider({
      port: idpPort,
      appOrigin: APP_ORIGIN,
      apiAudience: 'http://localhost:3999',
      accessTokenTtl: 60,
      refreshTokenTtl: 3600,
    });
    try {
      const env = { AUTH_MODE: 'bff', IDP_PORT: String(idpPort), APP_PORT: '4200' };
      const ok = await run(env);
      assert.match(ok.stdout, /client demo-bff/);
      assert.match(ok.stdout, /\[ ok \] the BFF's client authenticates at the token endpoint/);
      const refused = await run({ ...env, BFF_CLIENT_SECRET: 'NOT-THE-SECRET-42' }).then(
        () => assert.fail('expected exit code 1'),
        (failure: { code: number; stdout: string }) => failure,
      );
      assert.equal(refused.code, 1);
      assert.match(refused.stdout, /\[FAIL\] the BFF's client authenticates .*client is refused/);
      assert.doesNotMatch(refused.stdout, /NOT-THE-SECRET-42|dev-bff-secret/);
    } finally {
      await idp.close();
    }
  });
});
