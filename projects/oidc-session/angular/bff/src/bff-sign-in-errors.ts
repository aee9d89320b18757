/**
 * What the BFF's `/login?error=<reason>&detail=<provider error code>` means, in the login page's
 * words (bff/sign-in-failure.ts sends them). The sentences carry the words the sign-in diagnosis
 * (sign-in-diagnosis.ts) matches, so the page also names the likely cause and the doctor check.
 */
const MESSAGES: Readonly<Record<string, string>> = {
  client_refused:
    "the identity provider refused the BFF's client credentials (invalid_client); the BFF's log has the provider's answer",
  provider_error:
    "the identity provider answered the sign-in with an error; the BFF's log has its description",
  unavailable: 'the identity provider cannot be reached from the BFF right now; please try again',
  state_mismatch:
    'the answer from the identity provider did not match a sign-in started in this browser (no sign-in cookie, or an unknown state); please try again',
  rate_limited: 'too many sign-in attempts from your network; please wait a minute and try again',
  busy: 'too many sign-ins are in progress right now; please try again in a few minutes',
  invalid_prompt:
    'the sign-in asked the BFF for a prompt it does not send (only "none" is); the sign-in did not start',
  invalid_step_up:
    'the stronger sign-in asked for authentication levels (acr_values) or a maximum age (max_age) the BFF cannot send; the sign-in did not start',
  // Before the reasons above, every failure was `login_failed`; a page bookmarked then still works.
  login_failed: 'the sign-in could not be completed at the identity provider; please try again',
};

/** RFC 6749 error codes only: anything else in the URL is not repeated on the page. */
const ERROR_CODE = /^[A-Za-z0-9_.-]{1,64}$/;

/** The LoginError detail for a BFF sign-in failure. */
export function bffSignInErrorDetail(reason: string, providerError: string | null): string {
  const message = MESSAGES[reason] ?? 'the sign-in could not be completed; please try again';
  return providerError && ERROR_CODE.test(providerError)
    ? `${message} (the provider said: ${providerError})`
    : message;
}
