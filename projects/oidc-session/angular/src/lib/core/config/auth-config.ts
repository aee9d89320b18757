import { InjectionToken } from '@angular/core';

import { AuthConfigError } from '../auth-errors';
import { closestName } from './closest-name';

/** One place the access token may be sent: an exact origin and whole leading path segments. */
export interface ApiLocation {
  /** `https://api.example.com` (scheme, host and port only). */
  readonly origin: string;
  /** `/v1` matches `/v1` and `/v1/...` but never `/v1x`. `/` matches the whole origin. */
  readonly pathPrefix: string;
}

/** Where tokens live between page loads. Never `localStorage`: see the README's storage section. */
export type TokenStorageMode = 'session' | 'memory';

/**
 * DPoP-bound tokens (RFC 9449): `auto` when the provider advertises ES256 proofs, `off` never,
 * `required` always (sign-in is refused where the provider or the browser cannot do it).
 */
export type DpopSetting = 'auto' | 'off' | 'required';

/**
 * Who holds the tokens: `browser` (this tab, via angular-oauth2-oidc) or `bff` (a
 * backend-for-frontend on this origin; the browser holds only an HttpOnly session cookie).
 */
export type AuthMode = 'browser' | 'bff';

/**
 * The validated runtime configuration (`public/auth.config.json`). In `bff` mode the provider
 * settings (issuer, client, scope) belong to the BFF's own configuration, and the fields here
 * that only browser mode uses hold inert values.
 */
export interface AuthConfig {
  readonly mode: AuthMode;
  /** bff mode: the path under which the BFF answers on this origin (default `/bff`). */
  readonly bffPath: string;
  readonly issuer: string;
  readonly clientId: string;
  readonly scope: string;
  readonly apis: readonly ApiLocation[];
  /** Path of the redirect URI on the app's origin. */
  readonly redirectPath: string;
  /** Path of the post-logout redirect URI on the app's origin. */
  readonly postLogoutPath: string;
  /** Refresh this many seconds before expiry; null = a quarter of the lifetime, at most 30 s. */
  readonly leewaySeconds: number | null;
  readonly storage: TokenStorageMode;
  /** Extra authorization request parameters, e.g. Auth0's `audience`. */
  readonly authorizeParams: Readonly<Record<string, string>>;
  /** Require every discovery endpoint to live under the issuer URL (false for Entra ID). */
  readonly strictDiscovery: boolean;
  /** Whether tokens are bound to a key of this browser (default `auto`); see {@link DpopSetting}. */
  readonly dpop: DpopSetting;
}

/** Where the configuration comes from: a URL fetched at start-up, or a literal object. */
export type AuthConfigSource = { readonly url: string } | { readonly config: unknown };

export const AUTH_CONFIG_SOURCE = new InjectionToken<AuthConfigSource>('AUTH_CONFIG_SOURCE');

const KNOWN_FIELDS = [
  'mode',
  'bffPath',
  'issuer',
  'clientId',
  'scope',
  'apis',
  'redirectPath',
  'postLogoutPath',
  'leewaySeconds',
  'storage',
  'authorizeParams',
  'strictDiscovery',
  'dpop',
] as const;

/** Settings that belong to the BFF's server configuration in bff mode, not to the browser's. */
const BROWSER_ONLY_FIELDS = [
  'dpop',
  'issuer',
  'clientId',
  'scope',
  'redirectPath',
  'storage',
  'authorizeParams',
  'strictDiscovery',
] as const;

/** Parameters the sign-in request sets itself; overriding them would break the flow. */
const RESERVED_AUTHORIZE_PARAMS = new Set([
  'response_type',
  'client_id',
  'redirect_uri',
  'scope',
  'state',
  'nonce',
  'code_challenge',
  'code_challenge_method',
]);

/**
 * Checks a parsed configuration file and fills in defaults.
 * @throws AuthConfigError naming the first offending field.
 */
export function validateAuthConfig(raw: unknown): AuthConfig {
  if (!isRecord(raw)) {
    throw new AuthConfigError('(file)', 'must be a JSON object');
  }
  for (const key of Object.keys(raw)) {
    if (!(KNOWN_FIELDS as readonly string[]).includes(key)) {
      const guess = closestName(key, KNOWN_FIELDS);
      throw new AuthConfigError(
        key,
        `is not a known setting${guess ? ` (did you mean "${guess}"?)` : ''}`,
      );
    }
  }
  if (raw['mode'] !== undefined && raw['mode'] !== 'browser' && raw['mode'] !== 'bff') {
    throw new AuthConfigError('mode', 'must be "browser" or "bff"');
  }
  if (raw['mode'] === 'bff') return validateBffConfig(raw);
  if (raw['bffPath'] !== undefined) {
    throw new AuthConfigError('bffPath', 'applies only with "mode": "bff"');
  }
  return {
    mode: 'browser',
    bffPath: '/bff',
    issuer: requireUrl(raw, 'issuer', { allowPath: true }),
    clientId: requireNonEmptyString(raw, 'clientId'),
    scope: requireScope(raw),
    apis: requireApis(raw),
    redirectPath: optionalPath(raw, 'redirectPath'),
    postLogoutPath: optionalPath(raw, 'postLogoutPath'),
    leewaySeconds: optionalLeeway(raw),
    storage: optionalStorage(raw),
    authorizeParams: optionalAuthorizeParams(raw),
    strictDiscovery: optionalBoolean(raw, 'strictDiscovery', true),
    dpop: optionalDpop(raw),
  };
}

/**
 * bff mode: the browser only needs where the BFF and the proxied API are on this origin. The
 * provider, client and scope are the BFF's (confidential client) settings; naming them here would
 * suggest the browser uses them, so they are refused.
 */
function validateBffConfig(raw: Record<string, unknown>): AuthConfig {
  for (const field of BROWSER_ONLY_FIELDS) {
    if (raw[field] !== undefined) {
      throw new AuthConfigError(
        field,
        'belongs to the BFF\'s configuration in "mode": "bff" (the browser never talks to the provider)',
      );
    }
  }
  const origin = globalThis.location?.origin ?? 'http://localhost';
  return {
    mode: 'bff',
    bffPath:
      raw['bffPath'] === undefined ? '/bff' : optionalPath(raw, 'bffPath').replace(/\/$/, ''),
    issuer: '',
    clientId: '',
    scope: '',
    apis: raw['apis'] === undefined ? [{ origin, pathPrefix: '/api' }] : requireApis(raw),
    redirectPath: '/',
    postLogoutPath: optionalPath(raw, 'postLogoutPath'),
    leewaySeconds: optionalLeeway(raw),
    storage: 'memory',
    authorizeParams: {},
    strictDiscovery: true,
    // The BFF presents the tokens; the browser has none to bind.
    dpop: 'off',
  };
}

function requireNonEmptyString(raw: Record<string, unknown>, field: string): string {
  const value = raw[field];
  if (value === undefined) throw new AuthConfigError(field, 'is missing');
  if (typeof value !== 'string' || value.trim() === '') {
    throw new AuthConfigError(field, 'must be a non-empty string');
  }
  return value.trim();
}

function requireUrl(
  raw: Record<string, unknown>,
  field: string,
  opts: { allowPath: boolean },
): string {
  return checkUrl(requireNonEmptyString(raw, field), field, opts);
}

function checkUrl(value: string, field: string, { allowPath }: { allowPath: boolean }): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    // new URL throws a TypeError on anything that is not an absolute URL.
    throw new AuthConfigError(field, `is not an absolute URL: "${value}"`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname))) {
    throw new AuthConfigError(
      field,
      `must use https: (http: is allowed only for localhost), got "${value}"`,
    );
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new AuthConfigError(
      field,
      `must not contain credentials, a query or a fragment: "${value}"`,
    );
  }
  if (!allowPath && url.pathname !== '/') {
    throw new AuthConfigError(field, `must be an origin only (scheme, host, port), got "${value}"`);
  }
  return allowPath ? value : url.origin;
}

function requireScope(raw: Record<string, unknown>): string {
  const scope = requireNonEmptyString(raw, 'scope');
  if (!scope.split(/\s+/).includes('openid')) {
    throw new AuthConfigError('scope', 'must include "openid"');
  }
  return scope;
}

function requireApis(raw: Record<string, unknown>): ApiLocation[] {
  const value = raw['apis'];
  if (value === undefined) throw new AuthConfigError('apis', 'is missing');
  if (!Array.isArray(value))
    throw new AuthConfigError('apis', 'must be an array of { origin, pathPrefix }');
  return value.map((entry, index) => {
    const field = `apis[${index}]`;
    if (!isRecord(entry))
      throw new AuthConfigError(field, 'must be an object { origin, pathPrefix }');
    const origin = checkUrl(requireNonEmptyString(entry, 'origin'), `${field}.origin`, {
      allowPath: false,
    });
    const prefix = entry['pathPrefix'] ?? '/';
    if (typeof prefix !== 'string' || !prefix.startsWith('/') || /[?#\\]/.test(prefix)) {
      throw new AuthConfigError(
        `${field}.pathPrefix`,
        'must be a path starting with "/" (no query or fragment)',
      );
    }
    // A trailing slash would make "/api/" miss "/api"; segments are matched whole anyway.
    return { origin, pathPrefix: prefix.length > 1 ? prefix.replace(/\/+$/, '') : '/' };
  });
}

function optionalPath(raw: Record<string, unknown>, field: string): string {
  const value = raw[field] ?? '/';
  if (
    typeof value !== 'string' ||
    !value.startsWith('/') ||
    value.startsWith('//') ||
    value.includes('\\')
  ) {
    throw new AuthConfigError(
      field,
      'must be a path on the app\'s origin starting with a single "/"',
    );
  }
  return value;
}

function optionalLeeway(raw: Record<string, unknown>): number | null {
  const value = raw['leewaySeconds'];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 3600) {
    throw new AuthConfigError(
      'leewaySeconds',
      'must be a number of seconds between 0 and 3600 (whatever the value, the leeway in use ' +
        "never exceeds half the access token's lifetime, so that not every request refreshes)",
    );
  }
  return value;
}

function optionalStorage(raw: Record<string, unknown>): TokenStorageMode {
  const value = raw['storage'] ?? 'session';
  if (value !== 'session' && value !== 'memory') {
    throw new AuthConfigError('storage', 'must be "session" or "memory"');
  }
  return value;
}

function optionalDpop(raw: Record<string, unknown>): DpopSetting {
  const value = raw['dpop'] ?? 'auto';
  if (value !== 'auto' && value !== 'off' && value !== 'required') {
    throw new AuthConfigError('dpop', 'must be "auto", "off" or "required"');
  }
  return value;
}

function optionalAuthorizeParams(raw: Record<string, unknown>): Record<string, string> {
  const value = raw['authorizeParams'] ?? {};
  if (!isRecord(value))
    throw new AuthConfigError('authorizeParams', 'must be an object of strings');
  for (const [key, param] of Object.entries(value)) {
    if (typeof param !== 'string') {
      throw new AuthConfigError(`authorizeParams.${key}`, 'must be a string');
    }
    if (RESERVED_AUTHORIZE_PARAMS.has(key)) {
      throw new AuthConfigError(`authorizeParams.${key}`, 'is set by the sign-in flow itself');
    }
  }
  return { ...(value as Record<string, string>) };
}

function optionalBoolean(raw: Record<string, unknown>, field: string, fallback: boolean): boolean {
  const value = raw[field] ?? fallback;
  if (typeof value !== 'boolean') throw new AuthConfigError(field, 'must be true or false');
  return value;
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
