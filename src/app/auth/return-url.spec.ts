import { DEFAULT_RETURN_PATH, safeReturnPath } from './return-url';

describe('safeReturnPath', () => {
  it('keeps same-origin paths with their query and fragment', () => {
    expect(safeReturnPath('/profile')).toBe('/profile');
    expect(safeReturnPath('/dashboard?tab=2#top')).toBe('/dashboard?tab=2#top');
    expect(safeReturnPath('/a/b/../c')).toBe('/a/c');
    expect(safeReturnPath('/search?q=%C3%A9t%C3%A9')).toBe('/search?q=%C3%A9t%C3%A9');
  });

  it('falls back to the dashboard without a return path', () => {
    expect(safeReturnPath(undefined)).toBe(DEFAULT_RETURN_PATH);
    expect(safeReturnPath(null)).toBe(DEFAULT_RETURN_PATH);
    expect(safeReturnPath('')).toBe(DEFAULT_RETURN_PATH);
    expect(safeReturnPath(42)).toBe(DEFAULT_RETURN_PATH);
  });

  const hostile = [
    'https://evil.test/',
    'http://evil.test',
    '//evil.test',
    '//evil.test/path',
    '///evil.test',
    '/\\evil.test',
    '\\\\evil.test',
    '\\/evil.test',
    '/\t/evil.test',
    '/\n/evil.test',
    'javascript:alert(1)',
    'JaVaScRiPt:alert(1)',
    ' javascript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'evil.test',
    'profile',
    '%2F%2Fevil.test',
    '/%2F/evil.test',
    '/%2Fevil.test',
    '/%5Cevil.test',
    '/%5C%5Cevil.test',
    '/%252F%252Fevil.test',
    '/%25252F%25252Fevil.test',
    'javascript%3Aalert(1)',
    '%6A%61%76%61%73%63%72%69%70%74%3Aalert(1)',
    '/%0A/evil.test',
    '/%E0%A4%A',
    '/' + 'a'.repeat(3000),
  ];
  for (const value of hostile) {
    it(`rejects ${JSON.stringify(value).slice(0, 60)}`, () => {
      expect(safeReturnPath(value)).toBe(DEFAULT_RETURN_PATH);
    });
  }

  it('uses the given fallback', () => {
    expect(safeReturnPath('//evil.test', '/')).toBe('/');
  });
});
