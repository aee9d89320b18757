import { MalformedChallengeError, parseWwwAuthenticate } from './www-authenticate';

describe('parseWwwAuthenticate (RFC 9110 challenges)', () => {
  it('reads the RFC 9470 examples, quoted and unquoted max_age alike', () => {
    expect(
      parseWwwAuthenticate(
        'Bearer error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="myACR"',
      ),
    ).toEqual([
      {
        scheme: 'bearer',
        params: {
          error: 'insufficient_user_authentication',
          error_description: 'A different authentication level is required',
          acr_values: 'myACR',
        },
      },
    ]);
    expect(
      parseWwwAuthenticate(
        'Bearer error="insufficient_user_authentication",error_description="More recent authentication is required",max_age="5"',
      )[0]!.params['max_age'],
    ).toBe('5');
    expect(
      parseWwwAuthenticate('Bearer error=insufficient_user_authentication, max_age=300')[0]!.params,
    ).toEqual({ error: 'insufficient_user_authentication', max_age: '300' });
  });

  it('reads the RFC 6750 examples', () => {
    expect(parseWwwAuthenticate('Bearer realm="example"')).toEqual([
      { scheme: 'bearer', params: { realm: 'example' } },
    ]);
    expect(
      parseWwwAuthenticate(
        'Bearer realm="example",\n error="invalid_token",\n error_description="The access token expired"'.replace(
          /\n/g,
          '',
        ),
      )[0]!.params,
    ).toEqual({
      realm: 'example',
      error: 'invalid_token',
      error_description: 'The access token expired',
    });
    expect(parseWwwAuthenticate('Bearer')).toEqual([{ scheme: 'bearer', params: {} }]);
  });

  it('reads several challenges in one header, of any schemes, in order', () => {
    expect(
      parseWwwAuthenticate(
        'DPoP algs="ES256 PS256", Basic realm="x",Bearer error="insufficient_user_authentication", acr_values="a b"',
      ),
    ).toEqual([
      { scheme: 'dpop', params: { algs: 'ES256 PS256' } },
      { scheme: 'basic', params: { realm: 'x' } },
      {
        scheme: 'bearer',
        params: { error: 'insufficient_user_authentication', acr_values: 'a b' },
      },
    ]);
    // The grammar's own ambiguity: `name=` alone is a token68, not a parameter without a value.
    expect(parseWwwAuthenticate('Bearer error=')).toEqual([
      { scheme: 'bearer', params: {}, token68: 'error=' },
    ]);
    expect(parseWwwAuthenticate('Negotiate abc+/d==, Bearer')).toEqual([
      { scheme: 'negotiate', params: {}, token68: 'abc+/d==' },
      { scheme: 'bearer', params: {} },
    ]);
    expect(
      parseWwwAuthenticate('Newauth realm="apps", type=1, title="Login", Basic realm="simple"'),
    ).toEqual([
      { scheme: 'newauth', params: { realm: 'apps', type: '1', title: 'Login' } },
      { scheme: 'basic', params: { realm: 'simple' } },
    ]);
  });

  it('unescapes quoted strings, keeps commas and "=" inside them, and ignores case in names', () => {
    expect(
      parseWwwAuthenticate('BEARER Error_Description="say \\"hi\\", a=b", ERROR = "x"')[0],
    ).toEqual({ scheme: 'bearer', params: { error_description: 'say "hi", a=b', error: 'x' } });
  });

  it('refuses malformed headers with a typed error saying where', () => {
    for (const header of [
      '',
      ' , ',
      'Bearer error="unterminated',
      'Bearer error=a=b',
      'Bearer =x',
      'Bearer error="a" error="b"',
      'Bearer error="a", error="b"',
      'Bearer error="\u0001"',
      '"Bearer"',
      'Bearer error="a" junk',
    ]) {
      expect(() => parseWwwAuthenticate(header))
        .withContext(JSON.stringify(header))
        .toThrowError(MalformedChallengeError);
    }
  });
});
