import { LoginError } from '../auth-errors';

/** What `AuthService.stepUp` is asked for: usually the fields of a StepUpRequiredError. */
export interface StepUpRequest {
  /** Space-separated ACR values to sign in with (RFC 9470 `acr_values`); none: the provider's default. */
  readonly acrValues?: string | null;
  /** The most seconds since the last authentication the sign-in may reuse (OIDC `max_age`). */
  readonly maxAge?: number | null;
  /** The app path to come back to; anything but a path of this app is replaced by the dashboard. */
  readonly returnUrl?: string;
}

/**
 * What a sign-in asks of the provider beyond the configuration's own parameters: sent as
 * `acr_values` and `max_age` (OpenID Connect Core 3.1.2.1), browser mode by the authorization
 * request it makes, BFF mode by handing them to the BFF's `/bff/login`.
 */
export interface AuthenticationParameters {
  readonly acrValues?: string;
  readonly maxAge?: number;
  /**
   * `none`: a sign-in without any page at the provider while its own session lives ("Stay signed
   * in" at the session's lifetime end); when it cannot, the mode goes on to an ordinary sign-in.
   */
  readonly prompt?: 'none';
}

/** One ACR value: visible ASCII without `"` and `\` (an RFC 6749 NQCHAR-like token), as RFC 9470 carries them. */
const ACR_VALUE = /^[\x21\x23-\x5B\x5D-\x7E]{1,128}$/;
const MAX_ACR_VALUES = 10;
/** The largest `max_age` sent: nine digits (31 years), what the BFF accepts too. */
const MAX_AGE_LIMIT = 999_999_999;

/**
 * The parameters a step-up sends, checked before the page leaves: an API's challenge is input from
 * elsewhere, and a value that cannot go into an authorization request is refused here rather than
 * by the provider, after the user has left the page.
 * @throws LoginError naming what is wrong; nothing has been sent.
 */
export function authenticationParameters(request: StepUpRequest): AuthenticationParameters {
  const { acrValues, maxAge } = request;
  const parameters: { acrValues?: string; maxAge?: number } = {};
  if (acrValues !== undefined && acrValues !== null) {
    const values = typeof acrValues === 'string' ? acrValues.trim().split(/ +/) : [];
    if (values.length === 0 || values.length > MAX_ACR_VALUES || !values.every(isAcrValue)) {
      throw new LoginError(
        `a step-up's acrValues must be 1 to ${MAX_ACR_VALUES} space-separated values of visible ` +
          'ASCII characters (no quotes, no backslashes), up to 128 each',
      );
    }
    parameters.acrValues = values.join(' ');
  }
  if (maxAge !== undefined && maxAge !== null) {
    if (!Number.isSafeInteger(maxAge) || maxAge < 0 || maxAge > MAX_AGE_LIMIT) {
      throw new LoginError(
        `a step-up's maxAge must be a whole number of seconds from 0 to ${MAX_AGE_LIMIT}`,
      );
    }
    parameters.maxAge = maxAge;
  }
  return parameters;
}

function isAcrValue(value: string): boolean {
  return ACR_VALUE.test(value);
}
