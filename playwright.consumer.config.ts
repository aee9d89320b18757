import { join } from 'node:path';

import { defineConfig } from '@playwright/test';

import base from './playwright.config';
import { APP, E2E_ENV, devStackServers } from './e2e/helpers/stack';
import { BFF_DIR, distOf } from './e2e/adopt/paths';
import { bffEnv, E2E_LIMITS } from './scripts/bff-env.mjs';
import { stackEnv } from './scripts/stack-env.mjs';

/**
 * The consumer app (e2e/consumer after `ng add`, built by e2e/adopt/consumer.test.ts) against the
 * dev provider and API: sign-in, an API call and sign-out. `CONSUMER_MODE=browser` serves its
 * browser-mode build; `CONSUMER_MODE=bff` serves its BFF-mode build through the BFF installed from
 * the packed tarball and started with `npx oidc-session-bff`.
 */
const mode = process.env['CONSUMER_MODE'] === 'bff' ? 'bff' : 'browser';
const stack = { ...process.env, ...E2E_ENV, AUTH_MODE: mode } as Record<string, string>;

const app =
  mode === 'bff'
    ? {
        command: 'npx --no-install oidc-session-bff',
        cwd: BFF_DIR,
        env: {
          ...stack,
          ...bffEnv(stackEnv(stack), join(distOf('bff'), 'browser')),
          ...E2E_LIMITS,
        } as Record<string, string>,
        url: `${APP}/bff/health`,
      }
    : {
        command: 'npx tsx e2e/adopt/serve-browser-build.mts',
        env: stack,
        url: APP,
      };

export default defineConfig({
  ...base,
  testDir: 'e2e/adopt',
  testMatch: '*.adopt.ts',
  testIgnore: [],
  metadata: { mode },
  reporter: [['list'], ['json', { outputFile: `test-results/consumer-e2e-${mode}.json` }]],
  outputDir: `test-results/consumer-e2e-${mode}-artifacts`,
  webServer: [...devStackServers(stack), { ...app, timeout: 60_000 }],
});
