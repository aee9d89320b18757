// The BFF's environment for the dev stack and the e2e harness: the app origin is the BFF's, the
// provider is the dev one (or the external one of OIDC_ISSUER) with the confidential client
// `demo-bff`, and the proxy forwards /api/ to the dev API.
const DEV_BFF_SECRET = 'dev-bff-secret-not-for-production';

/** @param {ReturnType<import('./stack-env.mjs').stackEnv>} env */
export function bffEnv(env, staticDir = 'dist/oidc-session/browser') {
  return {
    BFF_PUBLIC_ORIGIN: env.appOrigin,
    BFF_PORT: String(env.appPort),
    OIDC_ISSUER: env.issuer,
    OIDC_CLIENT_ID: process.env['BFF_CLIENT_ID'] ?? 'demo-bff',
    OIDC_CLIENT_SECRET: process.env['BFF_CLIENT_SECRET'] ?? DEV_BFF_SECRET,
    OIDC_SCOPE: process.env['BFF_SCOPE'] ?? 'openid profile offline_access api',
    BFF_API_UPSTREAM: `${env.apiOrigin}/api/`,
    BFF_STATIC_DIR: staticDir,
  };
}
