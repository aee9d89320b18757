import { diagnoseSignInFailure, LoginError } from '@oidc-session/angular';
import { bffSignInErrorDetail } from './bff-sign-in-errors';

/** What the login page shows for `/login?error=<reason>&detail=<code>` sent by the BFF. */
const diagnosed = (reason: string, detail: string | null = null) =>
  diagnoseSignInFailure(new LoginError(bffSignInErrorDetail(reason, detail)).message);

describe('BFF sign-in failures on the login page', () => {
  it('names the client authentication check for a refused client', () => {
    const found = diagnosed('client_refused', 'invalid_client');
    expect(found?.doctorCheck).toBe('client-auth');
    expect(found?.likelyCause).toContain('OIDC_CLIENT_AUTH');
  });

  it("names the provider's own error code when it sent one, and its check", () => {
    expect(bffSignInErrorDetail('provider_error', 'invalid_scope')).toContain(
      'the provider said: invalid_scope',
    );
    expect(diagnosed('provider_error', 'invalid_scope')?.doctorCheck).toBe('authorization-request');
    expect(diagnosed('provider_error', 'access_denied')?.doctorCheck).toBe('authorization-request');
  });

  it('sends an unreachable provider to the discovery check', () => {
    expect(diagnosed('unavailable')?.doctorCheck).toBe('discovery');
  });

  it('sends a state or binding mismatch to the redirect URI check', () => {
    const found = diagnosed('state_mismatch');
    expect(found?.doctorCheck).toBe('redirect-uri');
    expect(found?.likelyCause).toContain('BFF_PUBLIC_ORIGIN');
  });

  it('never repeats a detail that is not an OAuth error code', () => {
    const message = bffSignInErrorDetail('provider_error', '<script>alert(1)</script>');
    expect(message).not.toContain('<');
    expect(message).not.toContain('the provider said');
  });

  it('keeps a generic sentence for an unknown reason', () => {
    expect(bffSignInErrorDetail('something_new', null)).toBe(
      'the sign-in could not be completed; please try again',
    );
  });
});

describe('a sign-in that could not start in the browser', () => {
  it('names the CORS check when the provider answers but not to this origin', () => {
    const found = diagnoseSignInFailure(
      "Sign-in could not start: the identity provider answers, but it does not allow this app's origin (CORS), so the browser may not read its discovery document.",
    );
    expect(found?.doctorCheck).toBe('discovery-cors');
  });
});
