/**
 * What the login page says about a failed sign-in. The redirect back is a URL anyone can craft,
 * so the page says what it knows for each error code itself; the provider's own words are added
 * only for a sign-in this tab started (its `state` carried our nonce).
 */
const AUTHORIZATION_ERRORS: Readonly<Record<string, string>> = {
  access_denied: 'the sign-in was cancelled or refused at the provider',
  login_required: 'the provider needs you to sign in again',
  interaction_required: 'the provider needs you to sign in again',
  consent_required: 'the provider needs your consent before signing you in',
  account_selection_required: 'the provider needs you to choose an account',
  invalid_request:
    "the provider refused the sign-in request; the app's registration there needs checking",
  unauthorized_client:
    'the provider does not allow this app to sign in this way; check its registration',
  unsupported_response_type:
    'the provider does not support the authorization code flow for this app',
  invalid_scope: 'the provider refused the scopes this app asks for',
  server_error: 'the provider failed while signing you in; please try again',
  temporarily_unavailable: 'the provider is busy or down for maintenance; please try again shortly',
};

/** Longest provider description shown; enough for a sentence, too short for a pasted page. */
const MAX_DESCRIPTION = 200;

/** The sentence for an OAuth error code from the redirect back, with the provider's words if trusted. */
export function describeAuthorizationError(code: string, providerDescription?: string): string {
  const known = Object.hasOwn(AUTHORIZATION_ERRORS, code) ? AUTHORIZATION_ERRORS[code] : null;
  const sentence = known
    ? `${known} (${code})`
    : 'the provider refused the sign-in with an error this app does not know';
  const description = providerDescription?.replace(/[^\x20-\x7e]/g, ' ').trim();
  if (!description) return sentence;
  const shown =
    description.length > MAX_DESCRIPTION
      ? `${description.slice(0, MAX_DESCRIPTION)}…`
      : description;
  return `${sentence}. The provider said: "${shown}"`;
}

/** The sentence for one of angular-oauth2-oidc's own sign-in events (e.g. a nonce mismatch). */
export function describeLibraryEvent(type: string): string {
  switch (type) {
    case 'invalid_nonce_in_state':
      return 'the answer does not belong to a sign-in started in this tab; please sign in again';
    default:
      return `the sign-in could not be completed (${type.replace(/[^\w-]/g, '')})`;
  }
}
