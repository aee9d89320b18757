/**
 * The stack the e2e tests run against: the real identity provider, the real API and the
 * production build of the app, on ports of their own (so a running `npm start` is not
 * disturbed) and with a short access-token lifetime so that expiry happens within a test.
 */
export const E2E_ENV = {
  APP_PORT: process.env['E2E_APP_PORT'] ?? '4310',
  IDP_PORT: process.env['E2E_IDP_PORT'] ?? '9310',
  API_PORT: process.env['E2E_API_PORT'] ?? '3310',
  ACCESS_TOKEN_TTL: process.env['E2E_ACCESS_TOKEN_TTL'] ?? '8',
  REFRESH_TOKEN_TTL: '3600',
  /** `GET /api/payments` asks again this many seconds after the step-up (the contract's 300 is long for a test). */
  PAYMENTS_MAX_AGE: '20',
};

export const APP = `http://localhost:${E2E_ENV.APP_PORT}`;
export const ISSUER = `http://localhost:${E2E_ENV.IDP_PORT}`;
export const API = `http://localhost:${E2E_ENV.API_PORT}`;
export const ACCESS_TOKEN_TTL_MS = Number(E2E_ENV.ACCESS_TOKEN_TTL) * 1000;
/** The app refreshes a quarter of the lifetime before expiry (at most 30 s). */
export const LEEWAY_MS = Math.min(30_000, ACCESS_TOKEN_TTL_MS / 4);

/** Only these may ever receive an Authorization header. */
export function isAllowedApi(url: string): boolean {
  const parsed = new URL(url);
  return (
    parsed.origin === API && (parsed.pathname === '/api' || parsed.pathname.startsWith('/api/'))
  );
}

/** Playwright web servers for the dev provider and API of the e2e stack, with `env`. */
export function devStackServers(env: Record<string, string>) {
  return [
    {
      command: 'npm run --silent dev:idp',
      url: `${ISSUER}/.well-known/openid-configuration`,
      env,
      timeout: 60_000,
    },
    { command: 'npm run --silent dev:api', url: `${API}/api/me`, env, timeout: 60_000 },
  ];
}
