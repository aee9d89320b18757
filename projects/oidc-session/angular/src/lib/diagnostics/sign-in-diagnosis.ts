/**
 * Turns a sign-in or start-up failure into its likely cause at the provider, in one sentence, and
 * the `npm run doctor` check that confirms it (the ids printed by the doctor, see doctor/finding.ts).
 *
 * Pure and framework-free on purpose: the login page and the session panel call it with the
 * message of a LoginError, AuthConfigError, ProviderUnreachableError or SessionExpiredError (or
 * the API's `error_description`), and unit tests need no TestBed. Messages are matched rather than
 * codes because the cause sits in the provider's answer the message quotes (`server_error`,
 * `invalid_client`, HTTP 0), which the error codes do not distinguish. The sentences say
 * "likely": a browser cannot tell a missing CORS header from an outage, so neither can we.
 */

/** The doctor's check ids (and its "check at the provider" ids) this module can point to. */
export type DoctorCheckId =
  | 'discovery'
  | 'issuer-match'
  | 'code-flow'
  | 'pkce-s256'
  | 'id-token-alg'
  | 'token-cors'
  | 'public-client'
  | 'redirect-uri'
  | 'authorization-request'
  | 'access-token-format'
  | 'consent'
  | 'discovery-cors'
  | 'client-auth';

export interface SignInDiagnosis {
  /** One sentence naming the likely cause and what to change at the provider. */
  readonly likelyCause: string;
  /** The `npm run doctor` check to run to confirm it. */
  readonly doctorCheck: DoctorCheckId;
}

interface Rule {
  readonly matches: RegExp;
  readonly diagnosis: SignInDiagnosis;
}

// First match wins, so the specific patterns come before the general ones.
const RULES: readonly Rule[] = [
  {
    // Browser mode: discovery failed in the browser, but the provider answered a no-cors request.
    matches: /does not allow this app's origin \(CORS\)/i,
    diagnosis: {
      likelyCause:
        "The provider is up, but it does not allow this app's origin (CORS), so the browser may not read its answers; allow this origin for the client at the provider.",
      doctorCheck: 'discovery-cors',
    },
  },
  {
    // BFF mode: the token endpoint refused the confidential client (bff/sign-in-failure.ts).
    matches: /refused the BFF's client/i,
    diagnosis: {
      likelyCause:
        "The provider does not accept the BFF's client: a wrong OIDC_CLIENT_SECRET or OIDC_CLIENT_ID, or an authentication method it does not take (set OIDC_CLIENT_AUTH to client_secret_post or client_secret_basic).",
      doctorCheck: 'client-auth',
    },
  },
  {
    // BFF mode: the callback did not belong to a sign-in of this browser.
    matches: /did not match a sign-in started in this browser/i,
    diagnosis: {
      likelyCause:
        'The sign-in likely came back to another address than the one it started from (the redirect URI must be on BFF_PUBLIC_ORIGIN, where the app is opened), or took longer than 10 minutes.',
      doctorCheck: 'redirect-uri',
    },
  },
  {
    // BFF mode: the provider could not be reached from the BFF.
    matches: /cannot be reached from the BFF/i,
    diagnosis: {
      likelyCause:
        "The BFF could not reach the provider: it is down, or OIDC_ISSUER is wrong, or the BFF's network cannot reach it.",
      doctorCheck: 'discovery',
    },
  },
  {
    // Browser mode: a sign-in was started here and the browser came back without an answer.
    matches: /did not come back from the identity provider/i,
    diagnosis: {
      likelyCause:
        "A provider never redirects to a redirect URI that is not registered: if it showed an error page, this app's redirect URI is likely not registered for the client.",
      doctorCheck: 'redirect-uri',
    },
  },
  {
    matches: /opaque access token/i,
    diagnosis: {
      likelyCause:
        'The provider issues opaque access tokens, which the API cannot verify; switch it to JWT access tokens for this API.',
      doctorCheck: 'access-token-format',
    },
  },
  {
    // HttpClient reports a response the browser may not read (no CORS header) as status 0.
    matches: /code exchange failed: HTTP 0\b/i,
    diagnosis: {
      likelyCause:
        "The token endpoint likely does not allow this app's origin (CORS), so the browser could not read the code exchange.",
      doctorCheck: 'token-cors',
    },
  },
  {
    // An HMAC-signed ID token needs a client secret; providers without one fail the exchange
    // with a 500. The message carries the provider's description when there is one (oidc-provider:
    // "oops! something went wrong"), else its error code or the status.
    matches:
      /code exchange failed: (.*\bserver_error\b|HTTP 5\d\d|.*something went wrong|.*internal server error|.*client[ _]secret|.*\bHS256\b)/i,
    diagnosis: {
      likelyCause:
        'The provider likely could not sign the ID token: an HMAC algorithm (HS256) needs a client secret this public client does not have; switch the client to RS256.',
      doctorCheck: 'id-token-alg',
    },
  },
  {
    matches: /\binvalid_client\b|client authentication failed/i,
    diagnosis: {
      likelyCause:
        'The provider does not accept this client without a secret: the client id is unknown or the client is not registered as a public client.',
      doctorCheck: 'public-client',
    },
  },
  {
    matches: /redirect_uri|redirect uri/i,
    diagnosis: {
      likelyCause:
        "The app's redirect URI is likely not registered for this client at the provider.",
      doctorCheck: 'redirect-uri',
    },
  },
  {
    matches: /code_challenge|code_verifier|pkce/i,
    diagnosis: {
      likelyCause: 'The provider likely does not accept PKCE with S256 for this client; enable it.',
      doctorCheck: 'pkce-s256',
    },
  },
  {
    matches: /\b(invalid_scope|unauthorized_client|unsupported_response_type|invalid_request)\b/i,
    diagnosis: {
      likelyCause:
        'The provider refused the authorization request: this client is likely not allowed the code flow or one of the requested scopes.',
      doctorCheck: 'authorization-request',
    },
  },
  {
    matches: /\b(consent_required|interaction_required)\b/i,
    diagnosis: {
      likelyCause:
        'The provider likely requires consent that this app cannot ask for; pre-grant it or turn consent off for this first-party client.',
      doctorCheck: 'consent',
    },
  },
  {
    matches: /does not match the provider's discovery document|wrong issuer/i,
    diagnosis: {
      likelyCause:
        "The configured issuer likely differs from the discovery document's issuer (often by a trailing slash), or an endpoint lies outside it with strictDiscovery on.",
      doctorCheck: 'issuer-match',
    },
  },
  {
    matches: /has no discovery document|could not be used for discovery|no token_endpoint/i,
    diagnosis: {
      likelyCause:
        "The issuer URL likely does not point at the provider's discovery document; copy the issuer from it exactly.",
      doctorCheck: 'discovery',
    },
  },
  {
    // Start-up: discovery got no readable answer (down, or no CORS on discovery).
    matches: /is not reachable \(network\)/i,
    diagnosis: {
      likelyCause:
        "The provider is likely down or unreachable from this browser, or its discovery document does not allow this app's origin (CORS).",
      doctorCheck: 'discovery',
    },
  },
  {
    // BFF mode: another provider error; the specific codes above matched first.
    matches: /answered the sign-in with an error/i,
    diagnosis: {
      likelyCause:
        "The provider refused the sign-in; its error and description are in the BFF's log (a consent or client setting, an expired code, or a provider fault).",
      doctorCheck: 'authorization-request',
    },
  },
  {
    // A refresh without a readable answer: an outage, or a token endpoint without CORS.
    matches: /could not be reached \(network/i,
    diagnosis: {
      likelyCause:
        "If the provider is up, its token endpoint likely does not allow this app's origin (CORS): in the browser both look the same.",
      doctorCheck: 'token-cors',
    },
  },
];

/**
 * The likely cause of a failure, or null when the message names none of the provider
 * misconfigurations the doctor checks (a wrong password, an ended session, a timeout).
 */
export function diagnoseSignInFailure(message: string): SignInDiagnosis | null {
  return RULES.find((rule) => rule.matches.test(message))?.diagnosis ?? null;
}
