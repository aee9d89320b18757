import { defineConfig } from '@playwright/test';

import bffConfig from './playwright.bff.config';
import { API, APP, ISSUER } from './e2e/helpers/stack';

/**
 * `AUTH_MODE=bff` with a short idle timeout (SESSION_IDLE_TIMEOUT=15): the end of a session,
 * announced and kept or reached, in every tab. Its own config because the BFF's idle timeout is
 * fixed at start-up and would end the other BFF tests' sessions; it reuses the production build
 * (E2E_REUSE_BUILD=1 in `npm test`).
 */
const [idp, api, bff] = bffConfig.webServer as Array<{
  command: string;
  env: Record<string, string>;
}>;

export default defineConfig({
  ...bffConfig,
  testMatch: '*.idle.ts',
  reporter: [['list'], ['json', { outputFile: 'test-results/e2e-bff-idle.json' }]],
  outputDir: 'test-results/e2e-bff-idle-artifacts',
  webServer: [
    { ...idp!, url: `${ISSUER}/.well-known/openid-configuration`, timeout: 60_000 },
    { ...api!, url: `${API}/api/me`, timeout: 60_000 },
    {
      ...bff!,
      command: bff!.command.replace('test-results/bff.log', 'test-results/bff-idle.log'),
      env: { ...bff!.env, SESSION_IDLE_TIMEOUT: '15' },
      url: `${APP}/bff/health`,
      timeout: 240_000,
    },
  ],
});
