import { isAllowedApiUrl } from './api-allowlist';

describe('isAllowedApiUrl', () => {
  const apis = [
    { origin: 'http://localhost:3000', pathPrefix: '/api' },
    { origin: 'https://files.example.test', pathPrefix: '/' },
  ];
  const base = 'http://localhost:4200/dashboard';

  const allowed = [
    'http://localhost:3000/api',
    'http://localhost:3000/api/',
    'http://localhost:3000/api/me',
    'http://LOCALHOST:3000/api/me',
    'http://localhost:3000/api/me?x=1#y',
    'https://files.example.test/anything',
    'https://files.example.test:443/anything',
  ];
  const refused = [
    'http://localhost:3000.evil.test/api/me',
    'http://localhost:30001/api',
    'http://localhost:3000/apix',
    'http://localhost:3000/ap',
    'http://localhost:3000/API/me',
    'http://localhost:3000/',
    'https://localhost:3000/api',
    'http://localhost:3000@evil.test/api',
    'http://evil.test/api?u=http://localhost:3000/api',
    'http://localhost:3000/api/../secret',
    'http://localhost:3000/api%2F..%2Fsecret/../../x',
    'https://files.example.test.evil.test/',
    '/api/me',
    'api/me',
    'http://[::1',
  ];

  for (const url of allowed) {
    it(`allows ${url}`, () => expect(isAllowedApiUrl(url, apis, base)).toBeTrue());
  }
  for (const url of refused) {
    it(`refuses ${url}`, () => expect(isAllowedApiUrl(url, apis, base)).toBeFalse());
  }

  it('resolves relative URLs against the document base, so a same-origin API can be allowed', () => {
    expect(
      isAllowedApiUrl('/api/me', [{ origin: 'http://localhost:4200', pathPrefix: '/api' }], base),
    ).toBeTrue();
  });
});
