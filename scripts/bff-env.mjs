// The BFF's environment for the dev stack and the e2e harness: the app origin is the BFF's, the
// provider is the dev one (or the external one of OIDC_ISSUER) with the confidential client
// `demo-bff`, and the proxy forwards /api/ to the dev API.
const DEV_BFF_SECRET = 'dev-bff-secret-not-for-production';

/**
 * The dev provider's scope for the BFF: `api` for the dev API; `offline_access` explicitly (the dev
 * provider issues refresh tokens either way and revokes them at sign-out). An external provider
 * gets BFF_SCOPE, else OIDC_SCOPE, else the BFF's default (without offline_access).
 */
const DEV_BFF_SCOPE = 'openid profile offline_access api';

/** @param {ReturnType<import('./stack-env.mjs').stackEnv>} env */
export function bffEnv(env, staticDir = 'dist/oidc-session/browser') {
  const external = env.mode === 'bff' ? env.external : null;
  const clientAuth = process.env['OIDC_CLIENT_AUTH'];
  return {
    BFF_PUBLIC_ORIGIN: env.appOrigin,
    BFF_PORT: String(env.appPort),
    OIDC_ISSUER: env.issuer,
    OIDC_CLIENT_ID: external?.clientId ?? (process.env['BFF_CLIENT_ID'] || 'demo-bff'),
    OIDC_CLIENT_SECRET:
      external?.clientSecret ?? (process.env['BFF_CLIENT_SECRET'] || DEV_BFF_SECRET),
    OIDC_SCOPE: external ? external.scope : process.env['BFF_SCOPE'] || DEV_BFF_SCOPE,
    ...(clientAuth ? { OIDC_CLIENT_AUTH: clientAuth } : {}),
    BFF_API_UPSTREAM: `${env.apiOrigin}/api/`,
    BFF_STATIC_DIR: staticDir,
  };
}
