import { existsSync } from 'node:fs';

import { defineConfig } from '@playwright/test';

import base from './playwright.config';
import { API, APP, E2E_ENV, ISSUER } from './e2e/helpers/stack';

/**
 * `npm start`'s external-provider mode, end to end: the second, differently configured
 * oidc-provider (dev-backend/second-provider) stands in for "your own provider" on the e2e
 * IDP_PORT, and the API and the app are wired to it by the OIDC_* variables alone, exactly as
 * `OIDC_ISSUER=… npm start` wires them. Run by `npm test` after the main e2e stage, whose
 * production build it reuses (E2E_REUSE_BUILD=1); on its own it builds first.
 */
const OIDC_ISSUER = `${ISSUER}/realms/demo`;

const env = {
  ...process.env,
  ...E2E_ENV,
  OIDC_ISSUER,
  OIDC_CLIENT_ID: 'demo-spa',
  // `api` is the scope the dev API's routes require.
  OIDC_SCOPE: 'openid profile offline_access api',
} as Record<string, string>;

const reuseBuild =
  process.env['E2E_REUSE_BUILD'] === '1' && existsSync('dist/oidc-session/server/server.mjs');

export default defineConfig({
  ...base,
  testMatch: 'external-provider.e2e.ts',
  reporter: [['list'], ['json', { outputFile: 'test-results/e2e-external.json' }]],
  outputDir: 'test-results/e2e-external-artifacts',
  webServer: [
    {
      command: 'node --import tsx dev-backend/second-provider/main.ts',
      url: `${OIDC_ISSUER}/.well-known/openid-configuration`,
      env,
      timeout: 60_000,
    },
    {
      command: 'npm run --silent dev:api',
      url: `${API}/api/me`,
      env,
      timeout: 60_000,
    },
    {
      command: reuseBuild
        ? 'node scripts/serve-dist.mjs'
        : 'npm run --silent build -- --progress=false && node scripts/serve-dist.mjs',
      url: APP,
      env,
      timeout: 240_000,
    },
  ],
});
