/**
 * The return-path rule as a table, shared by the app's Karma spec (`return-url.spec.ts`) and the
 * BFF's node tests (`bff/test/return-path.test.ts`), so both sides are held to the same cases.
 * `expected: null` means "refused: the default page".
 */
export interface ReturnPathCase {
  readonly input: unknown;
  readonly expected: string | null;
}

export const RETURN_PATH_CASES: readonly ReturnPathCase[] = [
  // Same-origin paths keep their query and fragment, normalised.
  { input: '/profile', expected: '/profile' },
  { input: '/dashboard?tab=2#top', expected: '/dashboard?tab=2#top' },
  { input: '/a/b/../c', expected: '/a/c' },
  { input: '/a/./b', expected: '/a/b' },
  { input: '/a/%2e%2e/b', expected: '/b' },
  { input: '/search?q=%C3%A9t%C3%A9', expected: '/search?q=%C3%A9t%C3%A9' },
  { input: '/orders/7?x=1#top', expected: '/orders/7?x=1#top' },
  { input: '/a/..%2Fb', expected: '/a/..%2Fb' },
  { input: '/%252e%252e/x', expected: '/%252e%252e/x' },
  // Nothing usable.
  { input: undefined, expected: null },
  { input: null, expected: null },
  { input: '', expected: null },
  { input: 42, expected: null },
  { input: ['/profile'], expected: null },
  // Normalising creates a protocol-relative URL (issue 19: all became `//evil.example`).
  { input: '/.//evil.example', expected: null },
  { input: '/..//evil.example', expected: null },
  { input: '/%2e//evil.example', expected: null },
  { input: '/%2E%2E//evil.example', expected: null },
  { input: '/a/..//evil.example', expected: null },
  { input: '/a/%2e%2e//evil.example', expected: null },
  { input: '/a/b/../..//evil.example', expected: null },
  { input: '/./%2F/evil.example', expected: null },
  { input: '/%2e%2e/%2F/evil.example', expected: null },
  { input: '/.%2e//evil.example', expected: null },
  // Absolute, protocol-relative, backslash and scheme forms.
  { input: 'https://evil.test/', expected: null },
  { input: 'http://evil.test', expected: null },
  { input: '//evil.test', expected: null },
  { input: '//evil.test/path', expected: null },
  { input: '///evil.test', expected: null },
  { input: '/\\evil.test', expected: null },
  { input: '\\\\evil.test', expected: null },
  { input: '\\/evil.test', expected: null },
  { input: '/.\\/evil.test', expected: null },
  { input: 'javascript:alert(1)', expected: null },
  { input: 'JaVaScRiPt:alert(1)', expected: null },
  { input: ' javascript:alert(1)', expected: null },
  { input: 'data:text/html,<script>alert(1)</script>', expected: null },
  { input: 'evil.test', expected: null },
  { input: 'profile', expected: null },
  // Control characters, raw and encoded.
  { input: '/\t/evil.test', expected: null },
  { input: '/\n/evil.test', expected: null },
  { input: '/%0A/evil.test', expected: null },
  { input: '/%09/evil.test', expected: null },
  { input: '/profile%00', expected: null },
  // Percent-encoded and nested encodings of all of the above.
  { input: '%2F%2Fevil.test', expected: null },
  { input: '/%2F/evil.test', expected: null },
  { input: '/%2Fevil.test', expected: null },
  { input: '/%5Cevil.test', expected: null },
  { input: '/%5C%5Cevil.test', expected: null },
  { input: '/%252F%252Fevil.test', expected: null },
  { input: '/%25252F%25252Fevil.test', expected: null },
  { input: '/%2525252F%2525252Fevil.test', expected: null },
  { input: '/%252e%252e/%252F/evil.test', expected: null },
  { input: 'javascript%3Aalert(1)', expected: null },
  { input: '%6A%61%76%61%73%63%72%69%70%74%3Aalert(1)', expected: null },
  // Malformed, too deep or too long.
  { input: '/%E0%A4%A', expected: null },
  { input: '/%252525252541', expected: null },
  { input: '/' + 'a'.repeat(3000), expected: null },
];
