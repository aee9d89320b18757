import { defineConfig } from '@playwright/test';

import { APP, E2E_ENV, devStackServers } from './e2e/helpers/stack';
import { chromiumExecutable, chromiumFlags } from './scripts/chromium.cjs';

const env = { ...process.env, ...E2E_ENV } as Record<string, string>;
const reuse = process.env['E2E_REUSE_STACK'] === '1';

export default defineConfig({
  testDir: 'e2e',
  // The consumer app (made by the CLI) and its stage have their own runner and config.
  testIgnore: ['consumer/**', 'adopt/**'],
  // The tests read the provider's counters, so they run one at a time against one stack.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 90_000,
  expect: { timeout: 10_000 },
  reporter: [['list'], ['json', { outputFile: 'test-results/e2e.json' }]],
  outputDir: 'test-results/e2e-artifacts',
  use: {
    baseURL: APP,
    browserName: 'chromium',
    launchOptions: {
      executablePath: chromiumExecutable,
      args: [...chromiumFlags],
    },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  webServer: [
    ...devStackServers(env).map((server) => ({ ...server, reuseExistingServer: reuse })),
    {
      // --stats-json: e2e reads the metafile to know which chunk holds angular-oauth2-oidc.
      command:
        'npm run --silent build -- --progress=false --stats-json && node scripts/serve-dist.mjs',
      url: APP,
      env,
      reuseExistingServer: reuse,
      timeout: 240_000,
    },
  ],
});
