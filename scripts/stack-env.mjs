// The contract's environment knobs, read the same way by `npm start`, the e2e harness and the
// benchmark. Fails fast with the variable's name on a bad value.
const DEFAULTS = {
  APP_PORT: 4200,
  IDP_PORT: 9000,
  API_PORT: 3000,
  ACCESS_TOKEN_TTL: 60,
  REFRESH_TOKEN_TTL: 86400,
};

/**
 * What the app requests from an external provider unless OIDC_SCOPE says otherwise. Without
 * offline_access: refresh tokens that may outlive sign-out are opt-in (docs/providers.md says which
 * providers need it for refresh tokens at all).
 */
const DEFAULT_EXTERNAL_SCOPE = 'openid profile';

/**
 * In BFF mode `clientId` is the BFF's confidential client (BFF_CLIENT_ID), `clientSecret` its secret.
 * @typedef {{ issuer: string, clientId: string, clientSecret?: string, scope: string, strictDiscovery: boolean, authorizeParams: Record<string, string> | undefined }} ExternalProvider
 * @returns {{ mode: 'browser' | 'bff', appPort: number, idpPort: number, apiPort: number, accessTokenTtl: number, refreshTokenTtl: number, appOrigin: string, issuer: string, apiOrigin: string, external: ExternalProvider | null }}
 */
export function stackEnv(env = process.env) {
  const read = (name) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return DEFAULTS[name];
    const value = Number(raw);
    if (!Number.isInteger(value) || value <= 0) {
      throw new Error(`${name} must be a positive whole number, got "${raw}"`);
    }
    return value;
  };
  const appPort = read('APP_PORT');
  const idpPort = read('IDP_PORT');
  const apiPort = read('API_PORT');
  const mode = env['AUTH_MODE'] || 'browser';
  if (mode !== 'browser' && mode !== 'bff') {
    throw new Error(`AUTH_MODE must be "browser" or "bff", got "${mode}"`);
  }
  const external = externalProvider(env, mode);
  return {
    mode,
    appPort,
    idpPort,
    apiPort,
    accessTokenTtl: read('ACCESS_TOKEN_TTL'),
    refreshTokenTtl: read('REFRESH_TOKEN_TTL'),
    appOrigin: `http://localhost:${appPort}`,
    issuer: external?.issuer ?? `http://localhost:${idpPort}`,
    apiOrigin: `http://localhost:${apiPort}`,
    external,
  };
}

/**
 * OIDC_ISSUER chooses an external provider instead of the dev one (see docs/dev-stack.md,
 * "npm start settings"). The issuer is kept exactly as written: the app compares it with
 * discovery character for character, so a trailing slash matters.
 * @returns {ExternalProvider | null}
 */
function externalProvider(env, mode) {
  const value = (name) => (env[name] ?? '').trim();
  const issuer = value('OIDC_ISSUER');
  if (issuer === '') {
    for (const name of [
      'OIDC_CLIENT_ID',
      'OIDC_SCOPE',
      'OIDC_AUTHORIZE_PARAMS',
      'OIDC_STRICT_DISCOVERY',
    ]) {
      if (value(name) !== '') throw new Error(`${name} is set, but OIDC_ISSUER is not: set both`);
    }
    return null;
  }
  if (!URL.canParse(issuer) || !/^https?:$/.test(new URL(issuer).protocol)) {
    throw new Error(`OIDC_ISSUER must be an https: URL, got "${issuer}"`);
  }
  const { protocol, hostname, search, hash } = new URL(issuer);
  if (protocol === 'http:' && !['localhost', '127.0.0.1', '[::1]'].includes(hostname)) {
    throw new Error(`OIDC_ISSUER must use https: (http: only for localhost), got "${issuer}"`);
  }
  if (search || hash) throw new Error(`OIDC_ISSUER must not have a query or fragment: "${issuer}"`);
  // BFF mode signs in with the BFF's confidential client; the app's public client is not used.
  const clientId = mode === 'bff' ? value('BFF_CLIENT_ID') : value('OIDC_CLIENT_ID');
  if (clientId === '') {
    throw new Error(
      mode === 'bff'
        ? 'BFF_CLIENT_ID is required with OIDC_ISSUER and AUTH_MODE=bff: the confidential client registered for the BFF'
        : 'OIDC_CLIENT_ID is required with OIDC_ISSUER: the public client registered for the app',
    );
  }
  const clientSecret = value('BFF_CLIENT_SECRET');
  if (mode === 'bff' && clientSecret === '') {
    throw new Error(
      "BFF_CLIENT_SECRET is required with OIDC_ISSUER and AUTH_MODE=bff: the BFF's client secret",
    );
  }
  const scope =
    (mode === 'bff' ? value('BFF_SCOPE') : '') || value('OIDC_SCOPE') || DEFAULT_EXTERNAL_SCOPE;
  if (!scope.split(/\s+/).includes('openid')) {
    throw new Error(`OIDC_SCOPE must include "openid", got "${scope}"`);
  }
  const strict = value('OIDC_STRICT_DISCOVERY') || 'true';
  if (strict !== 'true' && strict !== 'false') {
    throw new Error(`OIDC_STRICT_DISCOVERY must be true or false, got "${strict}"`);
  }
  const params = value('OIDC_AUTHORIZE_PARAMS');
  return {
    issuer,
    clientId,
    ...(mode === 'bff' ? { clientSecret } : {}),
    scope,
    strictDiscovery: strict === 'true',
    // `audience=https://api.example.com` (Auth0) becomes { audience: 'https://api.example.com' }.
    authorizeParams: params ? Object.fromEntries(new URLSearchParams(params)) : undefined,
  };
}
