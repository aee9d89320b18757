/**
 * The dev backend's configuration, read from the environment once at start-up.
 *
 * Names and defaults are part of the demo contract (/work/shared/contract.md): the e2e harness and
 * `npm start` set the same variables, so a typo must stop the process with a message naming the
 * variable instead of silently falling back to a default.
 */

/** Everything the identity provider and the resource API need to agree on. */
export interface Settings {
  readonly appPort: number;
  readonly idpPort: number;
  readonly apiPort: number;
  /** Access token lifetime in seconds. */
  readonly accessTokenTtl: number;
  /** Refresh token lifetime in seconds, counted from sign-in (rotation never extends it). */
  readonly refreshTokenTtl: number;
  /** Origin of the Angular app, e.g. `http://localhost:4200`. */
  readonly appOrigin: string;
  /**
   * `bundled`: the dev identity provider on IDP_PORT. `external`: the provider named by
   * OIDC_ISSUER; the dev provider is not started and the API accepts that provider's tokens.
   */
  readonly provider: 'bundled' | 'external';
  /** Issuer identifier, e.g. `http://localhost:9000`, or OIDC_ISSUER exactly as written. */
  readonly issuer: string;
  /** Expected `aud` of access tokens: OIDC_AUDIENCE, else the API's origin (`http://localhost:3000`). */
  readonly apiAudience: string;
  /** Extra wait before each authorized API answer (API_DELAY_MS), to make parallel fetching visible. */
  readonly apiDelayMs: number;
  /** PAYMENTS_MAX_AGE: the `max_age` of `GET /api/payments`' step-up, in seconds (default 300). */
  readonly paymentsMaxAge: number;
}

/** Thrown for a malformed environment variable; the message names the variable. */
export class SettingsError extends Error {
  override readonly name = 'SettingsError';
}

type Environment = Readonly<Record<string, string | undefined>>;

/** Reads and validates the settings. Pass an explicit environment in tests. */
export function readSettings(env: Environment = process.env): Settings {
  const appPort = readInteger(env, 'APP_PORT', 4200, 1, 65535);
  const idpPort = readInteger(env, 'IDP_PORT', 9000, 1, 65535);
  const apiPort = readInteger(env, 'API_PORT', 3000, 1, 65535);
  const accessTokenTtl = readInteger(env, 'ACCESS_TOKEN_TTL', 60, 1, Number.MAX_SAFE_INTEGER);
  const refreshTokenTtl = readInteger(env, 'REFRESH_TOKEN_TTL', 86400, 1, Number.MAX_SAFE_INTEGER);

  const apiDelayMs = readInteger(env, 'API_DELAY_MS', 0, 0, 60_000);
  const paymentsMaxAge = readInteger(env, 'PAYMENTS_MAX_AGE', 300, 1, 86_400);
  const externalIssuer = readIssuer(env, 'OIDC_ISSUER');
  // Any string: Auth0 API identifiers and FusionAuth client ids (its default `aud`) need not be URLs.
  const audience = env['OIDC_AUDIENCE']?.trim() || undefined;

  // With an external provider nothing listens on IDP_PORT, so only the two local ports must differ.
  const ports = externalIssuer ? [appPort, apiPort] : [appPort, idpPort, apiPort];
  if (new Set(ports).size !== ports.length) {
    throw new SettingsError(
      externalIssuer
        ? `APP_PORT (${appPort}) and API_PORT (${apiPort}) must differ`
        : `APP_PORT (${appPort}), IDP_PORT (${idpPort}) and API_PORT (${apiPort}) must all differ`,
    );
  }

  return {
    appPort,
    idpPort,
    apiPort,
    accessTokenTtl,
    refreshTokenTtl,
    appOrigin: `http://localhost:${appPort}`,
    provider: externalIssuer ? 'external' : 'bundled',
    issuer: externalIssuer ?? `http://localhost:${idpPort}`,
    apiAudience: audience ?? `http://localhost:${apiPort}`,
    apiDelayMs,
    paymentsMaxAge,
  };
}

/**
 * An issuer identifier, kept exactly as written: `iss` is compared character for character, so a
 * trailing slash is meaningful and must not be normalised away. Undefined when unset.
 */
function readIssuer(env: Environment, name: string): string | undefined {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') {
    return undefined;
  }
  if (!URL.canParse(raw)) {
    throw new SettingsError(`${name} must be an absolute URL, got "${raw}"`);
  }
  const url = new URL(raw);
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new SettingsError(
      `${name} must be an https: URL (http: only for localhost), got "${raw}"`,
    );
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new SettingsError(`${name} must not contain a query, fragment or credentials: "${raw}"`);
  }
  return raw;
}

function readInteger(
  env: Environment,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = env[name]?.trim();
  // An empty value (`IDP_PORT= npm start`) means "not set", like an absent one.
  if (raw === undefined || raw === '') {
    return fallback;
  }
  // Only plain decimal digits: Number() would also accept "0x10", "1e3" or " 60 s"-like surprises.
  if (!/^\d+$/.test(raw)) {
    throw new SettingsError(`${name} must be a whole number, got "${raw}"`);
  }
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new SettingsError(`${name} must be between ${min} and ${max}, got ${raw}`);
  }
  return value;
}

/** `optional` accepts requests without DPoP; `required` is the stricter one. */
export type DpopRequirement = 'optional' | 'required';

/**
 * The DPoP switches (RFC 9449). Kept apart from {@link Settings} so that each server reads only
 * what it uses and the contract's settings stay as they are.
 */
export interface DpopSettings {
  /**
   * DEMO_CLIENT_DPOP: `required` registers the app's client (`demo-spa`) with
   * `dpop_bound_access_tokens`, so the provider refuses its token requests without a DPoP proof.
   * Default `required` (the app sends proofs); `optional`: a proof binds the tokens, no proof
   * gets Bearer tokens.
   */
  readonly demoClientDpop: DpopRequirement;
  /** IDP_DPOP_NONCE: `required` makes the provider demand a server nonce in every proof. */
  readonly idpDpopNonce: DpopRequirement;
  /** API_DPOP_NONCE: `required` makes the resource API demand its nonce in every proof. */
  readonly apiDpopNonce: DpopRequirement;
}

/** Reads the DPoP switches; a value other than `optional` or `required` stops the process. */
export function readDpopSettings(env: Environment = process.env): DpopSettings {
  return {
    // The app proves every token request, so its client is DPoP-bound unless told otherwise.
    demoClientDpop: readRequirement(env, 'DEMO_CLIENT_DPOP', 'required'),
    idpDpopNonce: readRequirement(env, 'IDP_DPOP_NONCE'),
    apiDpopNonce: readRequirement(env, 'API_DPOP_NONCE'),
  };
}

function readRequirement(
  env: Environment,
  name: string,
  fallback: DpopRequirement = 'optional',
): DpopRequirement {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') {
    return fallback;
  }
  if (raw === 'optional') {
    return 'optional';
  }
  if (raw === 'required') {
    return 'required';
  }
  throw new SettingsError(`${name} must be "optional" or "required", got "${env[name]}"`);
}
