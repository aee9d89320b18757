import {
  AuthConfigError,
  LoginError,
  ProviderUnreachableError,
  SessionExpiredError,
} from '../core/auth-errors';
import { diagnoseSignInFailure, type DoctorCheckId } from './sign-in-diagnosis';

describe('diagnoseSignInFailure', () => {
  const checkFor = (message: string) => diagnoseSignInFailure(message)?.doctorCheck ?? null;

  it('blames an HMAC ID-token algorithm for a code exchange answered with server_error', () => {
    const diagnosis = diagnoseSignInFailure(
      new LoginError('the code exchange failed: server_error').message,
    );
    expect(diagnosis?.doctorCheck).toBe('id-token-alg');
    expect(diagnosis?.likelyCause).toContain('HS256');
    expect(diagnosis?.likelyCause).toContain('RS256');
    expect(checkFor(new LoginError('the code exchange failed: HTTP 500').message)).toBe(
      'id-token-alg',
    );
    expect(
      checkFor(new LoginError('the code exchange failed: oops! something went wrong').message),
    ).toBe('id-token-alg');
  });

  it('calls a code exchange with HTTP status 0 likely CORS at the token endpoint', () => {
    const diagnosis = diagnoseSignInFailure(
      new LoginError('the code exchange failed: HTTP 0').message,
    );
    expect(diagnosis?.doctorCheck).toBe('token-cors');
    expect(diagnosis?.likelyCause).toMatch(/likely .*CORS/);
  });

  it('words a refresh without an answer as likely CORS, since it looks like an outage', () => {
    const diagnosis = diagnoseSignInFailure(
      new ProviderUnreachableError('network', undefined, 3).message,
    );
    expect(diagnosis?.doctorCheck).toBe('token-cors');
    expect(diagnosis?.likelyCause).toContain('likely');
  });

  it('sends an unreachable provider at start-up to the discovery check', () => {
    const message = new AuthConfigError(
      'issuer',
      'http://localhost:9000 is not reachable (network); is the identity provider running?',
    ).message;
    expect(checkFor(message)).toBe('discovery');
  });

  it('names the issuer mismatch for a rejected discovery document', () => {
    const message = new AuthConfigError(
      'issuer',
      "does not match the provider's discovery document (the issuer must be identical, and with " +
        'strictDiscovery every endpoint must start with it); see the browser console for details',
    ).message;
    const diagnosis = diagnoseSignInFailure(message);
    expect(diagnosis?.doctorCheck).toBe('issuer-match');
    expect(diagnosis?.likelyCause).toContain('trailing slash');
  });

  it('names the discovery check for an issuer without a discovery document', () => {
    const message = new AuthConfigError(
      'issuer',
      'has no discovery document at https://sso.example.com/.well-known/openid-configuration (HTTP 404)',
    ).message;
    expect(checkFor(message)).toBe('discovery');
  });

  it("maps the login page's sentences for the provider's redirect errors", () => {
    const sentences: [string, DoctorCheckId | null][] = [
      [
        'the provider refused the scopes this app asks for (invalid_scope)',
        'authorization-request',
      ],
      [
        'the provider does not allow this app to sign in this way; check its registration (unauthorized_client)',
        'authorization-request',
      ],
      [
        "the provider refused the sign-in request; the app's registration there needs checking (invalid_request)",
        'authorization-request',
      ],
      [
        "the provider refused the sign-in request; the app's registration there needs checking (invalid_request). " +
          'The provider said: "code_challenge_method must be S256"',
        'pkce-s256',
      ],
      ['the provider needs your consent before signing you in (consent_required)', 'consent'],
      // A server_error on the redirect is the provider failing, not an HMAC code exchange.
      ['the provider failed while signing you in; please try again (server_error)', null],
      ['the sign-in was cancelled or refused at the provider (access_denied)', null],
    ];
    for (const [detail, check] of sentences) {
      expect(checkFor(new LoginError(detail).message))
        .withContext(detail)
        .toBe(check);
    }
  });

  it("maps the provider's errors on the way back to the matching check", () => {
    expect(checkFor(new LoginError('invalid_client').message)).toBe('public-client');
    expect(checkFor(new SessionExpiredError('refresh_rejected', 'invalid_client').message)).toBe(
      'public-client',
    );
    expect(
      checkFor(
        new LoginError("redirect_uri did not match any of the client's registered redirect_uris")
          .message,
      ),
    ).toBe('redirect-uri');
    expect(checkFor(new LoginError('code_challenge_method must be plain').message)).toBe(
      'pkce-s256',
    );
    expect(checkFor(new LoginError('PKCE verification failed').message)).toBe('pkce-s256');
    expect(checkFor(new LoginError('invalid_scope').message)).toBe('authorization-request');
    expect(checkFor(new LoginError('unauthorized_client').message)).toBe('authorization-request');
    expect(checkFor(new LoginError('consent_required').message)).toBe('consent');
    expect(checkFor(new LoginError('Wrong issuer: https://a.example').message)).toBe(
      'issuer-match',
    );
  });

  it("recognises the API's refusal of an opaque access token", () => {
    const diagnosis = diagnoseSignInFailure(
      'opaque access token: this API validates JWT access tokens locally, so switch the provider ' +
        'to issue JWT access tokens for this API (see npm run doctor)',
    );
    expect(diagnosis?.doctorCheck).toBe('access-token-format');
    expect(diagnosis?.likelyCause).toContain('JWT access tokens');
  });

  it('returns null for failures that are not a provider misconfiguration', () => {
    expect(
      diagnoseSignInFailure(new SessionExpiredError('refresh_rejected', 'invalid_grant').message),
    ).toBeNull();
    expect(diagnoseSignInFailure(new ProviderUnreachableError('timeout').message)).toBeNull();
    expect(
      diagnoseSignInFailure(new ProviderUnreachableError('server_error', 503).message),
    ).toBeNull();
    expect(diagnoseSignInFailure(new LoginError('access_denied').message)).toBeNull();
    expect(
      diagnoseSignInFailure(new LoginError('the ID token has no sub claim').message),
    ).toBeNull();
    expect(diagnoseSignInFailure('')).toBeNull();
  });

  it('gives one sentence per cause', () => {
    const messages = [
      'the code exchange failed: server_error',
      'the code exchange failed: HTTP 0',
      'invalid_client',
      'redirect_uri mismatch',
      'PKCE',
      'invalid_scope',
      'consent_required',
      'Wrong issuer: x',
      'has no discovery document',
      'is not reachable (network)',
      'could not be reached (network)',
      'opaque access token',
    ];
    for (const message of messages) {
      const cause = diagnoseSignInFailure(message)?.likelyCause ?? '';
      expect(cause).toMatch(/^[A-Z][^]*\.$/);
      expect(cause.split(/[.;:] (?=[A-Z])/).length)
        .withContext(cause)
        .toBe(1);
    }
  });
});
