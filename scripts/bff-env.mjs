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

/**
 * For harnesses whose every request comes from one loopback address and must never be refused by
 * a limit (the scale e2e behind its round-robin proxy, the benchmark): rate limits off, sign-in
 * bounds out of reach.
 */
export const UNTHROTTLED = {
  BFF_RATE_LIMIT_LOGIN: '0',
  BFF_RATE_LIMIT_CALLBACK: '0',
  BFF_RATE_LIMIT_REFRESH: '0',
  BFF_RATE_LIMIT_BACKCHANNEL_LOGOUT: '0',
  BFF_LOGIN_PENDING_PER_CLIENT: '1000000',
  BFF_LOGIN_PENDING_MAX: '1000000',
};

/**
 * The BFF e2e: real limits, far above what the whole suite does from loopback in a window, and a
 * trusted loopback proxy so that the flood test (e2e/bff/bff-limits.e2e.ts) can come from an
 * address of its own (X-Forwarded-For) and spend that address's limits without touching the
 * other tests'.
 */
export const E2E_LIMITS = {
  BFF_TRUST_PROXY: 'loopback',
  BFF_RATE_LIMIT_WINDOW: '60',
  BFF_RATE_LIMIT_LOGIN: '200',
  BFF_RATE_LIMIT_CALLBACK: '200',
  BFF_RATE_LIMIT_REFRESH: '2000',
  BFF_RATE_LIMIT_BACKCHANNEL_LOGOUT: '1000',
  BFF_LOGIN_PENDING_PER_CLIENT: '100',
  BFF_LOGIN_PENDING_MAX: '10000',
};

/**
 * `AUTH_MODE=bff npm start`: limits on, but far above what a developer and the test suites run
 * against the dev stack (all from loopback) do; any of these variables set in the environment wins.
 */
export const DEV_LIMITS = {
  BFF_RATE_LIMIT_LOGIN: '1000',
  BFF_RATE_LIMIT_CALLBACK: '1000',
  BFF_RATE_LIMIT_REFRESH: '10000',
  BFF_RATE_LIMIT_BACKCHANNEL_LOGOUT: '10000',
  BFF_LOGIN_PENDING_PER_CLIENT: '1000',
};
