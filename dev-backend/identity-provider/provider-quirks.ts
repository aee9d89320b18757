/**
 * Dev-only switches that make the dev provider behave like other certified providers do, so that
 * the doctor and the BFF can be tested against them (off by default; read from the environment by
 * main.ts, passed as options by tests):
 *
 * - BFF_CLIENT_ID: the BFF's client id (default `demo-bff`); with `-`, `.` or `~` it shows whether
 *   client authentication survives RFC 6749 §2.3.1's form-encoding (openid-client sends `%2D`).
 * - IDP_CLIENT_SECRET_METHOD=client_secret_basic|client_secret_post: the only client-secret method
 *   discovery offers, the one the BFF's client is registered with, and the only one accepted
 *   (oidc-provider itself takes either for any client; a request with the other gets 401).
 * - IDP_UNDECODED_BASIC_AUTH=1: `client_secret_basic` credentials are compared as sent, not
 *   form-decoded (seen in the wild): an id or secret with an encoded character is refused (401).
 * - IDP_REVOCATION_OFF=1: no revocation endpoint (RFC 7009), so sign-out cannot revoke a
 *   refresh token.
 * - IDP_PROMPT_NONE_LOGIN_FORM=1: an authorization request with `prompt=none` gets the login form
 *   (HTTP 200), not the redirect with `login_required` that OpenID Connect Core 3.1.2.1 requires.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import type { Configuration } from 'oidc-provider';

import { SettingsError } from '../settings.ts';
import { sendHtml, sendJson } from '../shared/http.ts';
import { loginPage } from './views.ts';

export type ClientSecretMethod = 'client_secret_basic' | 'client_secret_post';

export interface ProviderQuirks {
  readonly bffClientId?: string;
  readonly clientSecretMethod?: ClientSecretMethod;
  readonly undecodedBasicAuth?: boolean;
  readonly promptNoneLoginForm?: boolean;
  readonly revocationOff?: boolean;
}

type Environment = Readonly<Record<string, string | undefined>>;

/** Reads the switches; a malformed value stops the provider with the variable's name. */
export function readProviderQuirks(env: Environment = process.env): ProviderQuirks {
  const value = (name: string) => env[name]?.trim() || undefined;
  const flag = (name: string) => {
    const raw = value(name);
    if (raw === undefined || raw === '0') return false;
    if (raw === '1') return true;
    throw new SettingsError(`${name} must be 1 or 0, got "${raw}"`);
  };
  const method = value('IDP_CLIENT_SECRET_METHOD');
  if (method !== undefined && method !== 'client_secret_basic' && method !== 'client_secret_post') {
    throw new SettingsError(
      `IDP_CLIENT_SECRET_METHOD must be client_secret_basic or client_secret_post, got "${method}"`,
    );
  }
  const bffClientId = value('BFF_CLIENT_ID');
  return {
    ...(bffClientId ? { bffClientId } : {}),
    ...(method ? { clientSecretMethod: method } : {}),
    undecodedBasicAuth: flag('IDP_UNDECODED_BASIC_AUTH'),
    promptNoneLoginForm: flag('IDP_PROMPT_NONE_LOGIN_FORM'),
    revocationOff: flag('IDP_REVOCATION_OFF'),
  };
}

/**
 * The switches that are configuration: the client authentication methods discovery offers
 * (`none` for the app, and the one secret method), and the revocation endpoint.
 */
export function withConfigurationQuirks(
  configuration: Configuration,
  quirks: ProviderQuirks,
): Configuration {
  return {
    ...configuration,
    ...(quirks.clientSecretMethod
      ? { clientAuthMethods: ['none', quirks.clientSecretMethod] }
      : {}),
    ...(quirks.revocationOff
      ? { features: { ...configuration.features, revocation: { enabled: false } } }
      : {}),
  };
}

/**
 * Runs before oidc-provider on every request: answers `prompt=none` with the login form, and
 * hands Basic credentials on undecoded. True when the request was answered here.
 * `authorizationPath`: the authorization endpoint's path as the server sees it (e.g. `/auth`).
 */
export function applyRequestQuirks(
  quirks: ProviderQuirks,
  authorizationPath: string,
  req: IncomingMessage,
  res: ServerResponse,
): boolean {
  const url = new URL(req.url ?? '/', 'http://provider.invalid');
  if (
    quirks.promptNoneLoginForm &&
    req.method === 'GET' &&
    url.pathname === authorizationPath &&
    url.searchParams.get('prompt') === 'none'
  ) {
    sendHtml(res, 200, loginPage({ action: `${authorizationPath}/login-form-for-prompt-none` }));
    return true;
  }
  const authorization = req.headers.authorization;
  if (
    quirks.clientSecretMethod === 'client_secret_post' &&
    req.method === 'POST' &&
    /^basic /i.test(authorization ?? '')
  ) {
    refuseClient(res, 'this provider accepts client_secret_post only');
    return true;
  }
  if (quirks.undecodedBasicAuth && authorization?.toLowerCase().startsWith('basic ')) {
    req.headers.authorization = undecoded(authorization.slice('basic '.length));
  }
  return false;
}

/** RFC 6749 §5.2: 401 with a challenge for the scheme the client tried. */
function refuseClient(res: ServerResponse, description: string): void {
  sendJson(
    res,
    401,
    { error: 'invalid_client', error_description: `client authentication failed: ${description}` },
    { 'WWW-Authenticate': 'Basic realm="provider"' },
  );
}

/**
 * Basic credentials that oidc-provider, which form-decodes them, reads exactly as sent: each
 * part is percent-encoded once more, so `demo%2Dbff` stays `demo%2Dbff` and matches no client.
 */
function undecoded(credentials: string): string {
  const decoded = Buffer.from(credentials, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return `Basic ${credentials}`;
  const [id, secret] = [decoded.slice(0, colon), decoded.slice(colon + 1)];
  const raw = `${encodeURIComponent(id)}:${encodeURIComponent(secret)}`;
  return `Basic ${Buffer.from(raw, 'utf8').toString('base64')}`;
}
