import { ɵBFF_CONFIG_RULES as BFF_CONFIG_RULES, BffAuthConfig } from '@oidc-session/angular/bff';
import {
  ɵBROWSER_CONFIG_RULES as BROWSER_CONFIG_RULES,
  BrowserAuthConfig,
} from '@oidc-session/angular/browser';
import { AuthConfigError } from '../auth-errors';
import { validateConfigFor } from './auth-config';
import { ModeConfigRules } from './config-types';

/** The configuration as an app that declares both modes checks it (the demo does). */
function validateAuthConfig(
  raw: unknown,
  modes: readonly ModeConfigRules[] = [BROWSER_CONFIG_RULES, BFF_CONFIG_RULES],
) {
  return validateConfigFor(raw, modes);
}

describe('the configuration rules (core and both modes)', () => {
  const valid = {
    issuer: 'http://localhost:9000',
    clientId: 'demo-spa',
    scope: 'openid profile offline_access',
    apis: [{ origin: 'http://localhost:3000', pathPrefix: '/api' }],
  };

  it('accepts the dev stack configuration and fills in the defaults', () => {
    expect(validateAuthConfig(valid) as BrowserAuthConfig).toEqual({
      ...valid,
      mode: 'browser',
      dpop: 'auto',
      redirectPath: '/',
      postLogoutPath: '/',
      leewaySeconds: null,
      stepUp: 'manual',
      sessionWarningSeconds: 60,
      idleTimeoutSeconds: null,
      maxSessionSeconds: null,
      storage: 'session',
      authorizeParams: {},
      strictDiscovery: true,
    });
  });

  it('accepts https issuers with a path and normalises API entries', () => {
    const config = validateAuthConfig({
      ...valid,
      issuer: 'https://sso.example.com/realms/demo',
      apis: [
        { origin: 'https://api.example.com/', pathPrefix: '/v1/' },
        { origin: 'https://files.example.com' },
      ],
    });
    expect(config.apis).toEqual([
      { origin: 'https://api.example.com', pathPrefix: '/v1' },
      { origin: 'https://files.example.com', pathPrefix: '/' },
    ]);
  });

  const broken: [string, unknown, string, RegExp][] = [
    ['not an object', [], '(file)', /JSON object/],
    ['a missing client id', { ...valid, clientId: undefined }, 'clientId', /missing/],
    ['an empty client id', { ...valid, clientId: '  ' }, 'clientId', /non-empty/],
    ['a misspelt field', { ...valid, clientID: 'x' }, 'clientID', /did you mean "clientId"/],
    ['an unknown field', { ...valid, colour: 'red' }, 'colour', /not a known setting/],
    ['a missing issuer', { ...valid, issuer: undefined }, 'issuer', /missing/],
    [
      'a malformed issuer URL',
      { ...valid, issuer: 'localhost:9000' },
      'issuer',
      /not an absolute URL|https/,
    ],
    [
      'an issuer that is not a URL at all',
      { ...valid, issuer: 'my provider' },
      'issuer',
      /not an absolute URL/,
    ],
    [
      'an http: issuer that is not loopback',
      { ...valid, issuer: 'http://sso.example.com' },
      'issuer',
      /https/,
    ],
    [
      'an issuer with a query',
      { ...valid, issuer: 'https://sso.example.com/?a=1' },
      'issuer',
      /query/,
    ],
    ['a scope without openid', { ...valid, scope: 'profile email' }, 'scope', /openid/],
    ['apis not an array', { ...valid, apis: 'http://localhost:3000' }, 'apis', /array/],
    [
      'an API origin with a path',
      { ...valid, apis: [{ origin: 'https://api.example.com/v1' }] },
      'apis[0].origin',
      /origin only/,
    ],
    [
      'an http: API that is not loopback',
      { ...valid, apis: [{ origin: 'http://api.example.com' }] },
      'apis[0].origin',
      /https/,
    ],
    [
      'an API path prefix without a slash',
      { ...valid, apis: [{ origin: 'https://api.example.com', pathPrefix: 'v1' }] },
      'apis[0].pathPrefix',
      /starting with/,
    ],
    [
      'a protocol-relative redirect path',
      { ...valid, redirectPath: '//evil.test' },
      'redirectPath',
      /single/,
    ],
    ['a negative leeway', { ...valid, leewaySeconds: -1 }, 'leewaySeconds', /between/],
    ['a leeway given as text', { ...valid, leewaySeconds: '30' }, 'leewaySeconds', /number/],
    [
      'an idle timeout under 5 s',
      { ...valid, idleTimeoutSeconds: 2 },
      'idleTimeoutSeconds',
      /from 5/,
    ],
    [
      'a warning given as text',
      { ...valid, sessionWarningSeconds: '60' },
      'sessionWarningSeconds',
      /whole number/,
    ],
    [
      'a step-up mode in other words',
      { ...valid, stepUp: 'auto' },
      'stepUp',
      /"manual" or "automatic"/,
    ],
    ['an unknown storage mode', { ...valid, storage: 'local' }, 'storage', /"session" or "memory"/],
    [
      'an authorize parameter the flow sets',
      { ...valid, authorizeParams: { redirect_uri: 'x' } },
      'authorizeParams.redirect_uri',
      /sign-in flow/,
    ],
    [
      'strictDiscovery as text',
      { ...valid, strictDiscovery: 'no' },
      'strictDiscovery',
      /true or false/,
    ],
  ];
  for (const [name, config, field, message] of broken) {
    it(`names the field for ${name}`, () => {
      let error: unknown;
      try {
        validateAuthConfig(config);
      } catch (thrown) {
        error = thrown;
      }
      expect(error).toBeInstanceOf(AuthConfigError);
      expect((error as AuthConfigError).field).toBe(field);
      expect((error as AuthConfigError).message).toMatch(message);
      expect((error as AuthConfigError).code).toBe('config_invalid');
    });
  }

  describe('bff mode', () => {
    it("needs nothing but the mode: the API is this origin's /api, the BFF answers under /bff", () => {
      const config = validateAuthConfig({ mode: 'bff' }) as BffAuthConfig;
      expect(config.mode).toBe('bff');
      expect(config.bffPath).toBe('/bff');
      expect(config.apis).toEqual([{ origin: location.origin, pathPrefix: '/api' }]);
      expect(Object.keys(config).sort())
        .withContext('no inert browser-mode fields')
        .toEqual([
          'apis',
          'bffPath',
          'leewaySeconds',
          'mode',
          'postLogoutPath',
          'sessionWarningSeconds',
          'stepUp',
        ]);
    });

    it('refuses provider settings, which belong to the BFF, naming the field', () => {
      for (const field of ['issuer', 'clientId', 'scope', 'storage']) {
        expect(() => validateAuthConfig({ mode: 'bff', [field]: 'x' })).toThrow(
          jasmine.objectContaining({ field }),
        );
      }
    });

    it('refuses an unknown mode and a bffPath outside bff mode', () => {
      expect(() => validateAuthConfig({ ...valid, mode: 'server' })).toThrow(
        jasmine.objectContaining({ field: 'mode' }),
      );
      expect(() => validateAuthConfig({ ...valid, bffPath: '/bff' })).toThrow(
        jasmine.objectContaining({ field: 'bffPath' }),
      );
    });
  });

  describe('declared modes', () => {
    it('runs the only declared mode when "mode" is left out', () => {
      expect(validateAuthConfig({}, [BFF_CONFIG_RULES]).mode).toBe('bff');
      expect(validateAuthConfig(valid, [BROWSER_CONFIG_RULES]).mode).toBe('browser');
    });

    it('refuses a mode the app did not declare, saying where to declare it', () => {
      expect(() =>
        validateAuthConfig({ ...valid, mode: 'browser' }, [BFF_CONFIG_RULES]),
      ).toThrowError(
        AuthConfigError,
        /must be "bff", the mode this app declares in provideAuth\(\.\.\.\) \(to run "browser", declare it there too\)/,
      );
    });

    it('names a field of an undeclared mode as unknown, not as "the other mode\'s"', () => {
      expect(() =>
        validateAuthConfig({ ...valid, bffPath: '/bff' }, [BROWSER_CONFIG_RULES]),
      ).toThrowError(/"bffPath" is not a known setting|bffPath.*not a known setting/);
    });

    it('refuses to start with no mode declared', () => {
      expect(() => validateAuthConfig(valid, [])).toThrowError(
        /withBrowserMode\(\) or withBffMode\(\)/,
      );
    });
  });

  describe('dpop', () => {
    it('is auto by default and takes off or required', () => {
      const dpop = (raw: unknown) => (validateAuthConfig(raw) as BrowserAuthConfig).dpop;
      expect(dpop(valid)).toBe('auto');
      expect(dpop({ ...valid, dpop: 'off' })).toBe('off');
      expect(dpop({ ...valid, dpop: 'required' })).toBe('required');
    });

    it('refuses anything else, and suggests the field for a typo', () => {
      expect(() => validateAuthConfig({ ...valid, dpop: true })).toThrow(
        jasmine.objectContaining({ field: 'dpop' }),
      );
      expect(() => validateAuthConfig({ ...valid, dpopp: 'off' })).toThrowError(
        /did you mean "dpop"/,
      );
    });
  });
});
