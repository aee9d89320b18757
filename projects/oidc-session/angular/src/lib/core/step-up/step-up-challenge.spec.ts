import { readStepUpChallenge } from './step-up-challenge';
import { MalformedChallengeError } from './www-authenticate';

describe('readStepUpChallenge (RFC 9470)', () => {
  it("reads the demo API's challenge", () => {
    expect(
      readStepUpChallenge(
        'Bearer error="insufficient_user_authentication", error_description="a stronger or more recent authentication is required", acr_values="urn:demo:otp", max_age=300',
      ),
    ).toEqual({ acrValues: 'urn:demo:otp', maxAge: 300 });
  });

  it("reads RFC 9470's examples: acr_values alone, a quoted max_age alone", () => {
    expect(
      readStepUpChallenge(
        'Bearer error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="myACR"',
      ),
    ).toEqual({ acrValues: 'myACR', maxAge: null });
    expect(
      readStepUpChallenge(
        'Bearer error="insufficient_user_authentication", error_description="More recent authentication is required", max_age="5"',
      ),
    ).toEqual({ acrValues: null, maxAge: 5 });
  });

  it('finds it among several challenges, in a DPoP challenge too', () => {
    expect(
      readStepUpChallenge(
        'Basic realm="x", DPoP algs="ES256", error="insufficient_user_authentication", acr_values="gold silver"',
      ),
    ).toEqual({ acrValues: 'gold silver', maxAge: null });
  });

  it('is null for every other 401: no header, invalid_token, another scheme', () => {
    expect(readStepUpChallenge(null)).toBeNull();
    expect(readStepUpChallenge('Bearer')).toBeNull();
    expect(readStepUpChallenge('Bearer error="invalid_token"')).toBeNull();
    expect(
      readStepUpChallenge('Custom error="insufficient_user_authentication", max_age=5'),
    ).toBeNull();
    // An unreadable header that does not name the error is an ordinary 401.
    expect(readStepUpChallenge('Bearer error="unterminated')).toBeNull();
  });

  it('a step-up that cannot be read is a typed error', () => {
    for (const header of [
      'Bearer error="insufficient_user_authentication", max_age="soon"',
      'Bearer error="insufficient_user_authentication", max_age=-1',
      'Bearer error="insufficient_user_authentication", acr_values="unterminated',
    ]) {
      expect(() => readStepUpChallenge(header))
        .withContext(header)
        .toThrowError(MalformedChallengeError);
    }
  });
});
