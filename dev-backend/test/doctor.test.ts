import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';

import {
  CHECK_TITLES,
  type CheckId,
  type DoctorConfig,
  type DoctorReport,
} from '../../doctor/finding.ts';
import { providerSettings } from '../../doctor/provider-settings.ts';
import { runDoctor } from '../../doctor/run-doctor.ts';
import {
  startSecondProvider,
  type RunningSecondProvider,
  type SecondProviderOptions,
} from '../second-provider/server.ts';
import { APP_SCOPE, CLIENT_ID } from './helpers/oidc-flow.ts';
import { APP_ORIGIN, startStack, type TestStack } from './helpers/stack.ts';

const appConfig = (issuer: string, overrides: Partial<DoctorConfig> = {}): DoctorConfig => ({
  issuer,
  clientId: CLIENT_ID,
  scope: APP_SCOPE,
  redirectPath: '/',
  postLogoutPath: '/',
  ...overrides,
});

const failed = (report: DoctorReport): CheckId[] =>
  report.findings.filter((finding) => finding.status === 'fail').map((finding) => finding.id);

const finding = (report: DoctorReport, id: CheckId) => {
  const found = report.findings.find((candidate) => candidate.id === id);
  assert.ok(found, `no finding ${id}`);
  return found;
};

/** A second provider with one misconfiguration, and the doctor's report on it. */
async function diagnose(
  options: Partial<SecondProviderOptions>,
  configOverrides: (issuer: string) => Partial<DoctorConfig> = () => ({}),
): Promise<DoctorReport> {
  const provider = await startSecondProvider({
    port: 0,
    appOrigin: APP_ORIGIN,
    apiAudience: 'http://localhost:3999',
    ...options,
  });
  try {
    return await runDoctor({
      config: appConfig(provider.issuer, configOverrides(provider.issuer)),
      appOrigin: APP_ORIGIN,
    });
  } finally {
    await provider.close();
  }
}

describe('npm run doctor on the bundled provider', () => {
  let stack: TestStack;
  let report: DoctorReport;
  before(async () => {
    stack = await startStack();
    report = await runDoctor({ config: appConfig(stack.idp.issuer), appOrigin: APP_ORIGIN });
  });
  after(() => stack.close());

  it('passes every check: sign-in can work', () => {
    assert.equal(report.signInCanWork, true);
    assert.deepEqual(
      report.findings.filter((f) => f.status !== 'ok').map((f) => `${f.id}: ${f.detail}`),
      [],
    );
  });

  it('runs every check, including the requests that need no user', () => {
    assert.deepEqual(report.findings.map((f) => f.id).sort(), [
      'api-keys',
      'authorization-request',
      'code-flow',
      'discovery',
      'discovery-cors',
      'end-session',
      'id-token-alg',
      'issuer-match',
      'offline-access',
      'pkce-s256',
      'post-logout-uri',
      'public-client',
      'redirect-uri',
      'revocation',
      'revocation-cors',
      'strict-discovery',
      'token-cors',
    ]);
  });

  it('lists what discovery cannot show as "check at the provider", with where to look', () => {
    assert.deepEqual(
      report.atProvider.map((setting) => setting.id),
      [
        'client-id-token-alg',
        'access-token-format',
        'refresh-tokens',
        'refresh-rotation',
        'consent',
        'post-logout-redirect',
      ],
    );
    assert.ok(report.atProvider.every((setting) => setting.where.includes('docs/providers.md')));
  });
});

describe('npm run doctor names each misconfiguration', () => {
  it('a differently configured but correct provider passes too', async () => {
    const report = await diagnose({});
    assert.deepEqual(failed(report), []);
    assert.equal(report.signInCanWork, true);
  });

  it('HMAC-only ID tokens: id-token-alg fails, saying a public client has no secret', async () => {
    const report = await diagnose({ idTokenAlgorithms: ['HS256'] });
    assert.ok(failed(report).includes('id-token-alg'), failed(report).join());
    assert.match(finding(report, 'id-token-alg').detail, /\[HS256\].*client secret/);
    assert.match(finding(report, 'id-token-alg').fix ?? '', /RS256/);
    assert.equal(report.signInCanWork, false);
  });

  it("no CORS for the app's origin: token-cors fails (and the revocation's CORS is a warning)", async () => {
    const report = await diagnose({ corsOrigin: 'http://localhost:1' });
    assert.deepEqual(failed(report), ['token-cors']);
    assert.match(finding(report, 'token-cors').detail, /no Access-Control-Allow-Origin/);
    assert.match(finding(report, 'token-cors').fix ?? '', /http:\/\/localhost:4200/);
    assert.equal(finding(report, 'revocation-cors').status, 'warn');
  });

  it('an issuer with a trailing-slash mismatch: issuer-match fails and says so', async () => {
    const report = await diagnose({}, (issuer) => ({ issuer: `${issuer}/` }));
    assert.ok(failed(report).includes('issuer-match'));
    assert.match(finding(report, 'issuer-match').detail, /differ only by the trailing slash/);
  });

  it('no PKCE S256 in discovery: pkce-s256 fails', async () => {
    const report = await diagnose({
      rewriteDiscovery: (document) => ({
        ...document,
        code_challenge_methods_supported: ['plain'],
      }),
    });
    assert.deepEqual(failed(report), ['pkce-s256']);
    assert.match(finding(report, 'pkce-s256').fix ?? '', /S256/);
  });

  it('PKCE not advertised at all: pkce-s256 is a warning to check at the provider', async () => {
    const report = await diagnose({
      rewriteDiscovery: ({ code_challenge_methods_supported: _, ...document }) => document,
    });
    assert.equal(finding(report, 'pkce-s256').status, 'warn');
    assert.equal(report.signInCanWork, true);
  });

  it('an unregistered redirect URI: redirect-uri fails, quoting the provider', async () => {
    const report = await diagnose({}, () => ({ redirectPath: '/callback' }));
    assert.deepEqual(failed(report), ['redirect-uri']);
    assert.match(finding(report, 'redirect-uri').detail, /http:\/\/localhost:4200\/callback/);
    assert.match(finding(report, 'redirect-uri').detail, /redirect_uri/);
  });

  it('an unreachable provider: discovery fails and nothing else is tried', async () => {
    const report = await runDoctor({
      config: appConfig('http://localhost:1/realms/demo'),
      appOrigin: APP_ORIGIN,
    });
    assert.deepEqual(failed(report), ['discovery']);
    assert.equal(report.findings.length, 1);
  });
});

describe('the npm run doctor command', () => {
  let provider: RunningSecondProvider;
  before(async () => {
    provider = await startSecondProvider({
      port: 0,
      appOrigin: APP_ORIGIN,
      apiAudience: 'http://localhost:3999',
      idTokenAlgorithms: ['HS256'],
    });
  });
  after(() => provider.close());

  it('prints check by check with the fix, and exits 1 when sign-in cannot work', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'doctor-'));
    const file = join(dir, 'auth.config.json');
    writeFileSync(file, JSON.stringify(appConfig(provider.issuer)));
    const run = promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'doctor/main.ts', '--config', file, '--origin', APP_ORIGIN],
      { env: { ...process.env, OIDC_ISSUER: '' } },
    );
    const error = await run.then(
      () => assert.fail('expected exit code 1'),
      (failure: { code: number; stdout: string }) => failure,
    );
    assert.equal(error.code, 1);
    assert.match(error.stdout, /\[FAIL\] asymmetric ID-token signature \(id-token-alg\)/);
    assert.match(error.stdout, /fix: Sign ID tokens with an asymmetric algorithm/);
    assert.match(error.stdout, /\[ ok \] PKCE with S256 \(pkce-s256\)/);
    assert.match(error.stdout, /Check at the provider/);
    assert.match(error.stdout, /Sign-in cannot work until these are fixed: .*id-token-alg/);
  });
});

describe("the app's sign-in diagnosis", () => {
  it('only ever names checks the doctor prints', async () => {
    // Loaded by path: the app's sources belong to the Angular build, not to this tsconfig.
    const modulePath =
      '../../projects/oidc-session/angular/src/lib/diagnostics/sign-in-diagnosis.ts';
    const { diagnoseSignInFailure } = (await import(modulePath)) as {
      diagnoseSignInFailure(message: string): { doctorCheck: string } | null;
    };
    const known = new Set<string>([
      ...Object.keys(CHECK_TITLES),
      ...providerSettings('https://sso.example.com').map((setting) => setting.id),
    ]);
    const messages = [
      'Sign-in failed: the code exchange failed: server_error',
      'Sign-in failed: the code exchange failed: HTTP 0',
      'Sign-in failed: invalid_client',
      'Sign-in failed: redirect_uri did not match',
      'Sign-in failed: PKCE verification failed',
      'Sign-in failed: invalid_scope',
      'Sign-in failed: consent_required',
      'Invalid auth configuration: "issuer" does not match the provider\'s discovery document',
      'Invalid auth configuration: "issuer" has no discovery document at x (HTTP 404)',
      'Invalid auth configuration: "issuer" x is not reachable (network); is it running?',
      'The identity provider could not be reached (network). The session is kept.',
      'opaque access token: switch the provider to issue JWT access tokens',
      "Sign-in failed: the identity provider refused the BFF's client credentials (invalid_client)",
      'Sign-in failed: the identity provider answered the sign-in with an error (the provider said: access_denied)',
      'Sign-in failed: the identity provider cannot be reached from the BFF right now',
      'Sign-in failed: the answer from the identity provider did not match a sign-in started in this browser',
      "Sign-in could not start: the identity provider answers, but it does not allow this app's origin (CORS)",
      'Your last sign-in did not come back from the identity provider.',
    ];
    for (const message of messages) {
      const check = diagnoseSignInFailure(message)?.doctorCheck;
      assert.ok(check && known.has(check), `${message} -> ${check}`);
    }
  });
});
