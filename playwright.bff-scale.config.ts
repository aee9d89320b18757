import { defineConfig } from '@playwright/test';

import base from './playwright.config';
import { E2E_ENV, devStackServers } from './e2e/helpers/stack';

/**
 * The BFF at scale, end to end: the dev provider and API as in playwright.bff.config.ts, but the
 * app's origin is a round-robin proxy the tests start (e2e/bff/scale-harness.ts) in front of two
 * BFF processes on one redis-server, so the provider's redirect and back-channel logout URIs
 * (registered for the app origin) reach the BFFs through it. Run by `npm test` after the e2e-bff
 * stage, reusing its production build (E2E_REUSE_BUILD=1); on its own it builds first
 * (scale-global-setup.ts).
 */
const stack = { ...process.env, ...E2E_ENV, AUTH_MODE: 'bff' } as Record<string, string>;

export default defineConfig({
  ...base,
  testDir: 'e2e/bff',
  testMatch: '*.scale.ts',
  globalSetup: './e2e/bff/scale-global-setup.ts',
  reporter: [['list'], ['json', { outputFile: 'test-results/e2e-bff-scale.json' }]],
  outputDir: 'test-results/e2e-bff-scale-artifacts',
  webServer: [...devStackServers(stack)],
});
