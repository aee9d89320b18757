import { PlaywrightTestConfig, defineConfig } from '@playwright/test';

import bffConfig from '../../playwright.bff.config';
import { API, APP, ISSUER } from './stack';

/**
 * The BFF e2e stack with a BFF of its own settings (`env` over the usual ones), for tests that a
 * setting fixed at the BFF's start-up would break for the others. Its log goes to `log`; it reuses
 * the production build (E2E_REUSE_BUILD=1 in `npm test`).
 */
export function bffVariant(options: {
  readonly name: string;
  readonly testMatch: string;
  readonly log: string;
  readonly env: Record<string, string>;
}): PlaywrightTestConfig {
  const [idp, api, bff] = bffConfig.webServer as Array<{
    command: string;
    env: Record<string, string>;
  }>;
  return defineConfig({
    ...bffConfig,
    testMatch: options.testMatch,
    reporter: [['list'], ['json', { outputFile: `test-results/${options.name}.json` }]],
    outputDir: `test-results/${options.name}-artifacts`,
    webServer: [
      { ...idp!, url: `${ISSUER}/.well-known/openid-configuration`, timeout: 60_000 },
      { ...api!, url: `${API}/api/me`, timeout: 60_000 },
      {
        ...bff!,
        command: bff!.command.replace('test-results/bff.log', options.log),
        env: { ...bff!.env, ...options.env },
        url: `${APP}/bff/health`,
        timeout: 240_000,
      },
    ],
  });
}
