import { SessionExpiredError, ɵSessionState as SessionState } from '@oidc-session/angular';
import { tokensOf } from '../browser-credentials';
import { parseRefreshResponse } from './token-response';

describe('parseRefreshResponse', () => {
  const previous: SessionState = {
    canRefresh: true,
    heldBy: 'tab',
    credentials: {
      accessToken: 'old-access',
      refreshToken: 'old-refresh',
      idToken: 'old-id',
      tokenType: null,
    },
    claims: { sub: 'alice', name: 'Alice' },
    receivedAt: 0,
    expiresAt: 60_000,
    generation: 4,
    epoch: 0,
  };
  const context = {
    receivedAt: 1_000_000,
    previous,
    issuer: 'https://op.test',
    clientId: 'spa',
    limits: { idleTimeoutSeconds: null, maxSessionSeconds: null },
  };
  const parse = (body: unknown) =>
    parseRefreshResponse(typeof body === 'string' ? body : JSON.stringify(body), context);
  const idToken = (claims: Record<string, unknown>) =>
    `e30.${btoa(JSON.stringify({ iss: 'https://op.test', aud: 'spa', sub: 'alice', ...claims }))}.sig`;

  it('computes the expiry from expires_in at receipt on the client clock', () => {
    const tokens = parse({
      access_token: 'a',
      token_type: 'Bearer',
      expires_in: 60,
      refresh_token: 'r',
    });
    expect(tokens.receivedAt).toBe(1_000_000);
    expect(tokens.expiresAt).toBe(1_060_000);
    expect(tokensOf(tokens).refreshToken).toBe('r');
  });

  it('accepts expires_in as a numeric string and token_type in any case', () => {
    expect(parse({ access_token: 'a', token_type: 'bearer', expires_in: '60' }).expiresAt).toBe(
      1_060_000,
    );
  });

  it('keeps the refresh and ID tokens when the provider sends no new ones', () => {
    const tokens = parse({ access_token: 'a', token_type: 'Bearer', expires_in: 60 });
    expect(tokensOf(tokens).refreshToken).toBe('old-refresh');
    expect(tokensOf(tokens).idToken).toBe('old-id');
    expect(tokens.claims).toEqual(previous.claims);
  });

  it('takes the claims of a refreshed ID token of the same user', () => {
    const tokens = parse({
      access_token: 'a',
      token_type: 'Bearer',
      expires_in: 60,
      id_token: idToken({ name: 'Alice L.' }),
    });
    expect(tokens.claims.name).toBe('Alice L.');
  });

  it('accepts token_type DPoP only after a proof was sent, and keeps it with the set', () => {
    const body = JSON.stringify({ access_token: 'a', token_type: 'DPoP', expires_in: 60 });
    const bound = parseRefreshResponse(body, { ...context, proofSent: true });
    expect(tokensOf(bound).tokenType).toBe('DPoP');
    const lowerCase = body.replace('DPoP', 'dpop');
    expect(
      tokensOf(parseRefreshResponse(lowerCase, { ...context, proofSent: true })).tokenType,
    ).toBe('DPoP');
    expect(() => parseRefreshResponse(body, context)).toThrowError(SessionExpiredError);
  });

  it('accepts Bearer after a proof (a provider that ignores DPoP), and the set stays Bearer', () => {
    const body = JSON.stringify({ access_token: 'a', token_type: 'Bearer', expires_in: 60 });
    const tokens = parseRefreshResponse(body, { ...context, proofSent: true });
    expect(tokensOf(tokens).tokenType).toBeNull();
    expect(() =>
      parseRefreshResponse(body.replace('Bearer', 'MAC'), { ...context, proofSent: true }),
    ).toThrowError(SessionExpiredError);
  });

  const malformed: [string, unknown][] = [
    ['empty body', ''],
    ['HTML', '<html></html>'],
    ['null', 'null'],
    ['a JSON string', '"token"'],
    ['no access_token', { token_type: 'Bearer', expires_in: 60 }],
    ['empty access_token', { access_token: '', token_type: 'Bearer', expires_in: 60 }],
    ['no token_type', { access_token: 'a', expires_in: 60 }],
    ['DPoP token_type', { access_token: 'a', token_type: 'DPoP', expires_in: 60 }],
    ['no expires_in', { access_token: 'a', token_type: 'Bearer' }],
    ['negative expires_in', { access_token: 'a', token_type: 'Bearer', expires_in: -5 }],
    ['expires_in not a number', { access_token: 'a', token_type: 'Bearer', expires_in: 'soon' }],
    [
      'refresh_token not a string',
      { access_token: 'a', token_type: 'Bearer', expires_in: 60, refresh_token: 42 },
    ],
    [
      'id_token not a JWT',
      { access_token: 'a', token_type: 'Bearer', expires_in: 60, id_token: 'nope' },
    ],
    [
      'id_token of another issuer',
      {
        access_token: 'a',
        token_type: 'Bearer',
        expires_in: 60,
        id_token: idToken({ iss: 'https://evil.test' }),
      },
    ],
    [
      'id_token for another client',
      {
        access_token: 'a',
        token_type: 'Bearer',
        expires_in: 60,
        id_token: idToken({ aud: 'other' }),
      },
    ],
    [
      'id_token of another user',
      {
        access_token: 'a',
        token_type: 'Bearer',
        expires_in: 60,
        id_token: idToken({ sub: 'bob' }),
      },
    ],
  ];
  for (const [name, body] of malformed) {
    it(`rejects a response with ${name} as malformed`, () => {
      let error: unknown;
      try {
        parse(body);
      } catch (thrown) {
        error = thrown;
      }
      expect(error).toBeInstanceOf(SessionExpiredError);
      expect((error as SessionExpiredError).reason).toBe('malformed_token_response');
    });
  }
});
