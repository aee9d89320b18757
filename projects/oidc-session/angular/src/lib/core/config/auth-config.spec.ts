import { AuthConfigError } from '../auth-errors';
import { validateAuthConfig } from './auth-config';

describe('validateAuthConfig', () => {
  const valid = {
    issuer: 'http://localhost:9000',
    clientId: 'demo-spa',
    scope: 'openid profile offline_access',
    apis: [{ origin: 'http://localhost:3000', pathPrefix: '/api' }],
  };

  it('accepts the dev stack configuration and fills in the defaults', () => {
    expect(validateAuthConfig(valid)).toEqual({
      ...valid,
      mode: 'browser',
      bffPath: '/bff',
      dpop: 'auto',
      redirectPath: '/',
      postLogoutPath: '/',
      leewaySeconds: null,
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
      const config = validateAuthConfig({ mode: 'bff' });
      expect(config.mode).toBe('bff');
      expect(config.bffPath).toBe('/bff');
      expect(config.apis).toEqual([{ origin: location.origin, pathPrefix: '/api' }]);
      expect(config.storage).withContext('nothing is kept in the tab').toBe('memory');
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

  describe('dpop', () => {
    it('is auto by default and takes off or required', () => {
      expect(validateAuthConfig(valid).dpop).toBe('auto');
      expect(validateAuthConfig({ ...valid, dpop: 'off' }).dpop).toBe('off');
      expect(validateAuthConfig({ ...valid, dpop: 'required' }).dpop).toBe('required');
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
