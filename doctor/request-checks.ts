/**
 * Checks that ask the provider, with requests that need no user and change nothing:
 * - a refresh with an invalid token, and a revocation of an invalid token, sent with the app's
 *   `Origin` (some providers answer every preflight and judge the client only on the real request,
 *   so a preflight proves nothing);
 * - an authorization request with `prompt=none`: with no provider session it ends at once, either
 *   redirected back to the redirect URI with an error (the URI is registered) or on an error page
 *   at the provider (it is not); a provider that shows its login form instead leaves it untold.
 */
import { createHash, randomBytes } from 'node:crypto';

import type { Discovery } from './discovery-checks.ts';
import type { DoctorConfig, Finding } from './finding.ts';

/** Sent as the refresh token and as the token to revoke; never a real token. */
const PROBE_TOKEN = 'npm-run-doctor-probe-not-a-token';

const TIMEOUT_MS = 10_000;

/** Errors that mean "no session, cannot ask the user": the request itself was acceptable. */
const NO_SESSION_ERRORS = new Set([
  'login_required',
  'consent_required',
  'interaction_required',
  'account_selection_required',
]);

/** The token endpoint: CORS for the app's origin, and whether the client is public. */
export async function tokenEndpointChecks(
  discovery: Discovery,
  config: DoctorConfig,
  appOrigin: string,
): Promise<Finding[]> {
  const endpoint = String(discovery['token_endpoint']);
  let response: Response;
  try {
    response = await postForm(endpoint, appOrigin, {
      grant_type: 'refresh_token',
      refresh_token: PROBE_TOKEN,
      client_id: config.clientId,
    });
  } catch (error) {
    return [unreachable('token-cors', endpoint, error)];
  }
  const error = await oauthError(response);
  return [
    corsFinding('token-cors', response, appOrigin, 'fail'),
    publicClientFinding(response.status, error, config),
  ];
}

/** Discovery from the browser (browser mode reads it there before a sign-in can start). */
export async function discoveryCorsCheck(url: string, appOrigin: string): Promise<Finding> {
  try {
    const response = await fetch(url, {
      headers: { origin: appOrigin, accept: 'application/json' },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const allowed = response.headers.get('access-control-allow-origin');
    if (allowed === appOrigin || allowed === '*') {
      return {
        id: 'discovery-cors',
        status: 'ok',
        detail: `a GET from ${appOrigin} is allowed (Access-Control-Allow-Origin: ${allowed})`,
      };
    }
    return {
      id: 'discovery-cors',
      status: 'fail',
      detail: `a GET with Origin ${appOrigin} got ${allowed ? `Access-Control-Allow-Origin: ${allowed}` : 'no Access-Control-Allow-Origin header'}: the browser cannot read discovery, so sign-in cannot start (the login page says the provider answers but not to this origin).`,
      fix: `Allow the origin ${appOrigin} for this client (see token-cors for where).`,
    };
  } catch (error) {
    return { ...unreachable('discovery-cors', url, error), status: 'warn' };
  }
}

/** The revocation endpoint, if any: CORS for the app's origin. */
export async function revocationCheck(
  discovery: Discovery,
  config: DoctorConfig,
  appOrigin: string,
): Promise<Finding | undefined> {
  const endpoint = discovery['revocation_endpoint'];
  if (typeof endpoint !== 'string') {
    return undefined;
  }
  try {
    const response = await postForm(endpoint, appOrigin, {
      token: PROBE_TOKEN,
      token_type_hint: 'refresh_token',
      client_id: config.clientId,
    });
    return corsFinding('revocation-cors', response, appOrigin, 'warn');
  } catch (error) {
    return { ...unreachable('revocation-cors', endpoint, error), status: 'warn' };
  }
}

/**
 * `prompt=none` authorization request: is the redirect URI registered, are the scopes accepted?
 * Three answers are told apart: a redirect back (registered; `login_required` and the like mean
 * the request itself was fine), a login page (the provider does not honour prompt=none, which
 * OpenID Connect Core 3.1.2.1 requires; registration cannot be told: a warning), and an error page
 * (about the redirect URI or the client: proved broken; about anything else: cannot tell).
 */
export async function authorizationChecks(
  discovery: Discovery,
  config: DoctorConfig,
  appOrigin: string,
): Promise<Finding[]> {
  const endpoint = String(discovery['authorization_endpoint']);
  const redirectUri = `${appOrigin}${config.redirectPath ?? '/'}`;
  const url = new URL(endpoint);
  const verifier = randomBytes(32).toString('base64url');
  const params = {
    ...config.authorizeParams,
    client_id: config.clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: config.scope,
    state: randomBytes(8).toString('hex'),
    nonce: randomBytes(8).toString('hex'),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    prompt: 'none',
  };
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);

  let response: Response;
  try {
    response = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (error) {
    return [unreachable('redirect-uri', endpoint, error)];
  }
  const registerIt = `Check at the provider that ${redirectUri} is an allowed redirect (callback) URI of ${config.clientId}.`;
  const location = response.headers.get('location');
  const target = location ? new URL(location, url) : undefined;
  if (target && `${target.origin}${target.pathname}` === redirectUri) {
    const error = target.searchParams.get('error') ?? undefined;
    return [
      {
        id: 'redirect-uri',
        status: 'ok',
        detail: `${redirectUri} is registered for ${config.clientId} (the provider redirected there${error ? ` with ${error}` : ''})`,
      },
      authorizationRequestFinding(error, target.searchParams.get('error_description') ?? undefined),
    ];
  }
  if (target) {
    return [
      {
        id: 'redirect-uri',
        status: 'warn',
        detail:
          `prompt=none led to ${target.origin}${target.pathname} instead of back to ${redirectUri} ` +
          '(likely its login page: the provider does not honour prompt=none, as OpenID Connect Core 3.1.2.1 requires), ' +
          'so whether the redirect URI is registered could not be told.',
        fix: registerIt,
      },
    ];
  }
  const html = await response.text();
  const page = visibleText(html);
  const quoted = page ? ` ("${page}")` : '';
  if (isLoginForm(html)) {
    return [
      {
        id: 'redirect-uri',
        status: 'warn',
        detail:
          `prompt=none got the provider's login form (HTTP ${response.status}) instead of a redirect back with login_required: ` +
          'the provider does not honour prompt=none (OpenID Connect Core 3.1.2.1), which is harmless for sign-in, ' +
          'but whether the redirect URI is registered could not be told.',
        fix: registerIt,
      },
    ];
  }
  if (/redirect|callback/i.test(page) || /\bclient\b/i.test(page)) {
    return [
      {
        id: 'redirect-uri',
        status: 'fail',
        detail:
          `the provider answered HTTP ${response.status} with its own error page instead of redirecting to ${redirectUri}${quoted}: ` +
          `the redirect URI is not registered for ${config.clientId}, or the client is unknown.`,
        fix: `Register exactly ${redirectUri} as a redirect (callback) URI of the client ${config.clientId}.`,
      },
    ];
  }
  return [
    {
      id: 'redirect-uri',
      status: 'warn',
      detail:
        `the provider answered HTTP ${response.status} with a page that names neither the redirect URI nor the client${quoted}, ` +
        'so whether the redirect URI is registered could not be told.',
      fix: registerIt,
    },
  ];
}

/** A page with a password field: a login form, not an error page. */
function isLoginForm(html: string): boolean {
  return /<input[^>]+type=["']?password/i.test(html);
}

function authorizationRequestFinding(
  error: string | undefined,
  description: string | undefined,
): Finding {
  if (error === undefined || NO_SESSION_ERRORS.has(error)) {
    return {
      id: 'authorization-request',
      status: 'ok',
      detail: 'the authorization request was accepted (no session, as expected)',
    };
  }
  const said = `${error}${description ? `: ${description}` : ''}`;
  if (error === 'invalid_scope') {
    return {
      id: 'authorization-request',
      status: 'fail',
      detail: `the provider refuses the requested scope (${said}).`,
      fix: 'Allow these scopes for the client, or remove them from the app configuration (OIDC_SCOPE).',
    };
  }
  return {
    id: 'authorization-request',
    status:
      error === 'unauthorized_client' || error === 'unsupported_response_type' ? 'fail' : 'warn',
    detail: `the authorization request was refused: ${said}.`,
    fix: 'Allow the authorization code flow with PKCE (S256) for this client.',
  };
}

function corsFinding(
  id: 'token-cors' | 'revocation-cors',
  response: Response,
  appOrigin: string,
  severity: 'fail' | 'warn',
): Finding {
  const allowed = response.headers.get('access-control-allow-origin');
  if (allowed === appOrigin || allowed === '*') {
    return {
      id,
      status: 'ok',
      detail: `a POST from ${appOrigin} is allowed (Access-Control-Allow-Origin: ${allowed})`,
    };
  }
  const what =
    id === 'token-cors'
      ? 'the browser cannot read the code exchange or any refresh: sign-in fails with HTTP status 0 and refreshes look like an outage'
      : "sign-out's revocation request fails in the browser (every tab is still signed out)";
  return {
    id,
    status: severity,
    detail: `a POST with Origin ${appOrigin} got ${allowed ? `Access-Control-Allow-Origin: ${allowed}` : 'no Access-Control-Allow-Origin header'}: ${what}.`,
    fix: `Allow the origin ${appOrigin} for this client (Keycloak: Web origins; Auth0: Allowed Web Origins; Okta: Trusted Origins, CORS; Entra ID: a redirect URI of type SPA; FusionAuth: Settings, CORS, with POST).`,
  };
}

function publicClientFinding(
  status: number,
  error: string | undefined,
  config: DoctorConfig,
): Finding {
  if (error === 'invalid_grant') {
    return {
      id: 'public-client',
      status: 'ok',
      detail: `${config.clientId} may refresh without a client secret`,
    };
  }
  if (error === 'invalid_client_metadata') {
    return {
      id: 'public-client',
      status: 'fail',
      detail: `the provider considers the registration of ${config.clientId} invalid (${error}); no request of this client can succeed.`,
      fix: 'Fix the client registration; with an HMAC ID-token algorithm, switch it to RS256 (see id-token-alg).',
    };
  }
  if (error === 'invalid_client' || status === 401) {
    return {
      id: 'public-client',
      status: 'fail',
      detail: `the token endpoint refused ${config.clientId} without a secret (${error ?? `HTTP ${status}`}): the client is unknown or confidential, so the code exchange will fail too.`,
      fix: 'Make it a public client (client authentication off; token endpoint authentication method "none").',
    };
  }
  if (error === 'unauthorized_client' || error === 'unsupported_grant_type') {
    return {
      id: 'public-client',
      status: 'warn',
      detail: `the refresh grant is not allowed for ${config.clientId} (${error}): sign-in works, but the session ends when the access token expires.`,
      fix: 'Enable the Refresh Token grant for this client.',
    };
  }
  return {
    id: 'public-client',
    status: 'warn',
    detail: `a refresh with an invalid token got HTTP ${status}${error ? ` (${error})` : ''} instead of invalid_grant; could not tell whether the client is public.`,
  };
}

function unreachable(id: Finding['id'], endpoint: string, error: unknown): Finding {
  return {
    id,
    status: 'fail',
    detail: `${endpoint} could not be reached (${describe(error)}).`,
    fix: 'Check the provider URL and that it is reachable from this machine.',
  };
}

async function postForm(
  endpoint: string,
  origin: string,
  fields: Record<string, string>,
): Promise<Response> {
  return fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      origin,
      accept: 'application/json',
    },
    body: new URLSearchParams(fields).toString(),
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
}

async function oauthError(response: Response): Promise<string | undefined> {
  try {
    const body = (await response.json()) as { error?: unknown };
    return typeof body.error === 'string' ? body.error : undefined;
  } catch {
    // Not JSON (an HTML error page, an empty body): there is no OAuth error code to read.
    return undefined;
  }
}

/** The first words of an HTML page's text, for quoting the provider's error. */
function visibleText(html: string): string {
  const text = html
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&[a-z#0-9]+;/gi, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
}

export function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause as { code?: string; message?: string } | undefined;
  return cause ? `${error.message}: ${cause.code ?? cause.message}` : error.message;
}
