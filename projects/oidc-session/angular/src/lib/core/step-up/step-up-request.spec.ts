import { LoginError } from '../auth-errors';
import { authenticationParameters } from './step-up-request';

describe('authenticationParameters (what a step-up sends)', () => {
  it('sends what the challenge asked for, and nothing it did not', () => {
    expect(authenticationParameters({ acrValues: 'urn:demo:otp', maxAge: 300 })).toEqual({
      acrValues: 'urn:demo:otp',
      maxAge: 300,
    });
    expect(authenticationParameters({ acrValues: null, maxAge: null })).toEqual({});
    expect(authenticationParameters({})).toEqual({});
    expect(authenticationParameters({ maxAge: 0 })).toEqual({ maxAge: 0 });
  });

  it('keeps the order of several ACR values and tidies their spacing', () => {
    expect(authenticationParameters({ acrValues: '  urn:a   urn:b ' })).toEqual({
      acrValues: 'urn:a urn:b',
    });
  });

  const refused: [string, object][] = [
    ['empty acrValues', { acrValues: '  ' }],
    ['a quote in an ACR value', { acrValues: 'urn:"x"' }],
    ['a backslash in an ACR value', { acrValues: 'urn:\\x' }],
    ['a control character', { acrValues: 'urn:a\nurn:b' }],
    ['a non-ASCII ACR value', { acrValues: 'urn:démo' }],
    ['an ACR value of 129 characters', { acrValues: 'a'.repeat(129) }],
    ['eleven ACR values', { acrValues: Array.from({ length: 11 }, (_, i) => `a${i}`).join(' ') }],
    ['acrValues that are no string', { acrValues: ['urn:demo:otp'] }],
    ['a negative maxAge', { maxAge: -1 }],
    ['a fractional maxAge', { maxAge: 1.5 }],
    ['a maxAge of ten digits', { maxAge: 1_000_000_000 }],
    ['a maxAge given as text', { maxAge: '300' }],
    ['maxAge NaN', { maxAge: Number.NaN }],
  ];
  for (const [what, request] of refused) {
    it(`refuses ${what} with a LoginError before anything is sent`, () => {
      expect(() => authenticationParameters(request)).toThrowError(LoginError);
    });
  }
});
