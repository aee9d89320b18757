import { MalformedChallengeError, parseWwwAuthenticate } from './www-authenticate';

/** What an API asks for in an RFC 9470 challenge: the levels, and the most age, to sign in with. */
export interface StepUpChallenge {
  /** Space-separated ACR values, in the API's order of preference; null when not given. */
  readonly acrValues: string | null;
  /** Seconds since the last authentication the API accepts; null when not given. */
  readonly maxAge: number | null;
}

/** RFC 9470's error code in a Bearer (or DPoP) challenge. */
export const INSUFFICIENT_USER_AUTHENTICATION = 'insufficient_user_authentication';

/**
 * The RFC 9470 challenge of a 401's `WWW-Authenticate` header: the first Bearer or DPoP challenge
 * whose `error` is `insufficient_user_authentication`; null when there is none (an ordinary 401).
 * `acr_values` and `max_age` may be quoted or not (RFC 9470's own example quotes `max_age`).
 * @throws MalformedChallengeError when the header cannot be read, or its `max_age` is no
 * number of seconds, and it names the error: a step-up that cannot be understood.
 */
export function readStepUpChallenge(header: string | null): StepUpChallenge | null {
  if (header === null || !header.includes(INSUFFICIENT_USER_AUTHENTICATION)) return null;
  // Only a header that names the error can be a step-up; an unreadable one is reported as such.
  const challenge = parseWwwAuthenticate(header).find(
    ({ scheme, params }) =>
      (scheme === 'bearer' || scheme === 'dpop') &&
      params['error'] === INSUFFICIENT_USER_AUTHENTICATION,
  );
  if (!challenge) return null;
  const { acr_values: acrValues, max_age: maxAge } = challenge.params;
  if (maxAge !== undefined && !/^\d{1,9}$/.test(maxAge)) {
    throw new MalformedChallengeError(header, header.indexOf('max_age'), 'max_age in seconds');
  }
  return {
    acrValues: acrValues === undefined || acrValues.trim() === '' ? null : acrValues.trim(),
    maxAge: maxAge === undefined ? null : Number(maxAge),
  };
}
