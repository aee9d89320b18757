import { RETURN_PATH_CASES } from './return-url.cases';
import { DEFAULT_RETURN_PATH, safeReturnPath } from './return-url';

describe('safeReturnPath', () => {
  // The same table holds the BFF (bff/test/return-path.test.ts): one rule for both sides.
  for (const { input, expected } of RETURN_PATH_CASES) {
    const name = JSON.stringify(input)?.slice(0, 60) ?? String(input);
    it(
      expected === null ? `refuses ${name} (the dashboard)` : `keeps ${name} as ${expected}`,
      () => {
        expect(safeReturnPath(input)).toBe(expected ?? DEFAULT_RETURN_PATH);
      },
    );
  }

  it('uses the given fallback', () => {
    expect(safeReturnPath('//evil.test', '/')).toBe('/');
    expect(safeReturnPath('/.//evil.test', '/')).toBe('/');
  });

  it('resolves every accepted case to a path of the same origin', () => {
    for (const { input } of RETURN_PATH_CASES) {
      const resolved = new URL(safeReturnPath(input), window.location.origin);
      expect(resolved.origin).withContext(String(input)).toBe(window.location.origin);
    }
  });
});
