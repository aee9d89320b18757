/**
 * RFC 9470: an API that wants a stronger or more recent sign-in answers 401 with
 * `WWW-Authenticate: Bearer error="insufficient_user_authentication", acr_values=…, max_age=…`.
 * A refresh cannot raise the authentication level, so the proxy passes such a 401 to the app as
 * it came (the app's session layer reads the challenge and signs the user in again): no refresh,
 * no retry, no 401 brake.
 */

const STEP_UP_ERROR = /(?:^|[\s,])error\s*=\s*"?insufficient_user_authentication"?(?:[\s,]|$)/i;

/** Whether an upstream answer's `WWW-Authenticate` is an RFC 9470 step-up challenge. */
export function isStepUpChallenge(wwwAuthenticate: unknown): boolean {
  const values = Array.isArray(wwwAuthenticate) ? wwwAuthenticate : [wwwAuthenticate];
  return values.some((value) => typeof value === 'string' && STEP_UP_ERROR.test(value));
}
