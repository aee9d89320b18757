import { existsSync } from 'node:fs';

import { defineConfig } from '@playwright/test';

import base from './playwright.config';
import { APP, E2E_ENV, devStackServers } from './e2e/helpers/stack';
import { bffEnv, E2E_LIMITS } from './scripts/bff-env.mjs';
import { stackEnv } from './scripts/stack-env.mjs';

/**
 * `AUTH_MODE=bff`, end to end: the same dev provider and API, and the production build served by
 * the backend-for-frontend on the app's address. Run by `npm test` after the main e2e stage,
 * whose production build it reuses (E2E_REUSE_BUILD=1); on its own it builds first. The BFF's
 * log goes to test-results/bff.log, which the last test searches for tokens.
 */
const stack = { ...process.env, ...E2E_ENV, AUTH_MODE: 'bff' } as Record<string, string>;
// Only the BFF gets its OIDC_* settings: to the dev provider and API, OIDC_ISSUER would mean
// "an external provider is in use" (npm start's external-provider mode).
const bffProcess = {
  ...stack,
  ...bffEnv(stackEnv(stack)),
  ...E2E_LIMITS,
  BFF_LOG_LEVEL: 'info',
} as Record<string, string>;

const reuseBuild =
  process.env['E2E_REUSE_BUILD'] === '1' && existsSync('dist/oidc-session/server/server.mjs');
const bff =
  'mkdir -p test-results && node --import tsx bff/main.ts 2>&1 | tee test-results/bff.log';

export default defineConfig({
  ...base,
  testDir: 'e2e/bff',
  testMatch: '*.e2e.ts',
  reporter: [['list'], ['json', { outputFile: 'test-results/e2e-bff.json' }]],
  outputDir: 'test-results/e2e-bff-artifacts',
  webServer: [
    ...devStackServers(stack),
    {
      command: reuseBuild
        ? bff
        : `npm run --silent build -- --progress=false --stats-json && ${bff}`,
      url: `${APP}/bff/health`,
      env: bffProcess,
      timeout: 240_000,
    },
  ],
});
