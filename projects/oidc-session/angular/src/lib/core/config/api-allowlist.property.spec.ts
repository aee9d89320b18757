import fc from 'fast-check';

import { ApiAllowlist, isAllowedApiUrl, parseRequestUrl } from './api-allowlist';

/**
 * The interceptor's fast allowlist matcher against the reference (`new URL`, then an exact
 * origin and whole-segment prefix comparison), over random URLs built from the pieces that make
 * look-alikes: case, ports, userinfo, dot segments, encoded characters, trailing dots, IP forms.
 */
describe('ApiAllowlist (property: same answers as new URL)', () => {
  const apis = [
    { origin: 'http://localhost:3000', pathPrefix: '/api' },
    { origin: 'https://api.example.test', pathPrefix: '/' },
    { origin: 'http://127.0.0.1:8080', pathPrefix: '/v1/data' },
    { origin: 'http://localhost:4200', pathPrefix: '/bff/api' },
  ];
  const base = 'http://localhost:4200/dashboard/';
  const matcher = new ApiAllowlist(apis, base);

  const scheme = fc.constantFrom('http', 'https', 'HTTP', 'Https', 'ftp', 'javascript');
  const host = fc.constantFrom(
    'localhost',
    'LOCALHOST',
    'localhost.',
    'api.example.test',
    'api.example.test.',
    'api.example.test.evil.test',
    'evil.test',
    '127.0.0.1',
    '0x7f.1',
    '2130706433',
    '127.1',
    'xn--bcher-kva.example',
    'ex%61mple.test',
    'api.Example.test',
    '[::1]',
    'a..b',
    '-x.test',
  );
  const userinfo = fc.constantFrom('', 'user@', 'localhost:3000@', 'a:b@', '@');
  const port = fc.constantFrom(
    '',
    ':3000',
    ':03000',
    ':80',
    ':443',
    ':8080',
    ':65536',
    ':30001',
    ':',
    ':4200',
  );
  const segment = fc.constantFrom(
    'api',
    'API',
    'apix',
    'v1',
    'data',
    'bff',
    '..',
    '.',
    '%2e%2e',
    '%2E',
    '.%2e',
    '%2F',
    'x',
    'a b',
    'a\tb',
    '\\',
    'é',
    '',
    'me',
    '~user',
    "it's",
    'a;b',
    'a:b',
    '@',
  );
  const path = fc
    .array(segment, { maxLength: 5 })
    .map((parts) => parts.map((p) => `/${p}`).join(''));
  const tail = fc.constantFrom('', '?x=1', '#frag', '?u=http://localhost:3000/api', '?a#b', '/');
  const absolute = fc
    .tuple(scheme, fc.constantFrom('://', ':/', ':\\\\', ':///'), userinfo, host, port, path, tail)
    .map((parts) => parts.join(''));
  const relative = fc
    .tuple(fc.constantFrom('', '/', '//', '\\', './', '../', ' /'), path, tail)
    .map((parts) => parts.join(''));
  /** Origins at or next to the configured ones, where a look-alike does its damage. */
  const nearOrigin = fc.constantFrom(
    'http://localhost:3000',
    'http://LOCALHOST:3000',
    'http://localhost.:3000',
    'http://localhost:03000',
    'http://localhost:3000.',
    'http://user@localhost:3000',
    'http://localhost:3000@evil.test',
    'https://api.example.test',
    'https://api.example.test:443',
    'https://API.example.test',
    'http://api.example.test',
    'http://127.0.0.1:8080',
    'http://127.1:8080',
    'http://0x7f.1:8080',
    'http://localhost:4200',
    'http://localhost:80',
    'HTTP://localhost:3000',
    'http:/localhost:3000',
  );
  const nearPath = fc
    .array(
      fc.oneof({ weight: 3, arbitrary: fc.constantFrom('api', 'v1', 'data', 'bff') }, segment),
      {
        maxLength: 5,
      },
    )
    .map((parts) => parts.map((p) => `/${p}`).join(''));
  const nearMiss = fc.tuple(nearOrigin, nearPath, tail).map((parts) => parts.join(''));
  /** A configured API's own start, then a tail that may turn it into something else. */
  const apiStartWithTail = fc
    .tuple(
      fc.constantFrom(...apis.map((api) => api.origin + api.pathPrefix)),
      fc.array(
        fc.constantFrom(
          '/',
          '/x',
          '/..',
          '/.',
          '/%2e%2e',
          '/.%2e',
          '/%2E',
          '/%2e',
          '\\..',
          '\\x',
          'x',
          '..',
          '?q=/..',
          '#/..',
          ' ',
          '\t',
          '/a%2fb',
          '/%41',
          '/é',
          '/a b',
          '//',
          '@evil.test',
        ),
        { maxLength: 4 },
      ),
    )
    .map(([start, tail]) => start + tail.join(''));
  const url = fc.oneof(
    { weight: 4, arbitrary: apiStartWithTail },
    { weight: 4, arbitrary: nearMiss },
    { weight: 2, arbitrary: absolute },
    { weight: 2, arbitrary: relative },
    { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
  );

  it('allows exactly the URLs the reference allows, and names the same target', () => {
    const seed = Number(Date.now() % 2 ** 31);
    console.log(`[api-allowlist property] seed ${seed}`);
    for (const runSeed of [20261125, seed]) {
      fc.assert(
        fc.property(url, (candidate) => {
          const reference = isAllowedApiUrl(candidate, apis, base);
          const parsed = parseRequestUrl(candidate, base);
          const expected = reference && parsed ? parsed.origin + parsed.pathname : null;
          expect(matcher.match(candidate)).withContext(candidate).toBe(expected);
          expect(matcher.allows(candidate)).withContext(`allows ${candidate}`).toBe(reference);
          return matcher.match(candidate) === expected && matcher.allows(candidate) === reference;
        }),
        { seed: runSeed, numRuns: 3000 },
      );
    }
  });
});
