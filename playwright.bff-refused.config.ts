import { defineConfig } from '@playwright/test';

import bffConfig from './playwright.bff.config';
import { API, APP, ISSUER } from './e2e/helpers/stack';

/**
 * `AUTH_MODE=bff` with a BFF whose client the provider refuses (a wrong OIDC_CLIENT_SECRET): the
 * login page must name the likely cause (client refused, the doctor's client-auth check) and the
 * BFF's log the provider's status and error. Its own config because the BFF's secret is fixed at
 * start-up; it reuses the production build (E2E_REUSE_BUILD=1 in `npm test`).
 */
export const REFUSED_BFF_LOG = 'test-results/bff-refused.log';
export const WRONG_SECRET = 'e2e-wrong-secret-not-the-dev-one';

const [idp, api, bff] = bffConfig.webServer as Array<{
  command: string;
  env: Record<string, string>;
}>;

export default defineConfig({
  ...bffConfig,
  testMatch: '*.refused.ts',
  reporter: [['list'], ['json', { outputFile: 'test-results/e2e-bff-refused.json' }]],
  outputDir: 'test-results/e2e-bff-refused-artifacts',
  webServer: [
    { ...idp!, url: `${ISSUER}/.well-known/openid-configuration`, timeout: 60_000 },
    { ...api!, url: `${API}/api/me`, timeout: 60_000 },
    {
      ...bff!,
      command: bff!.command.replace('test-results/bff.log', REFUSED_BFF_LOG),
      env: { ...bff!.env, OIDC_CLIENT_SECRET: WRONG_SECRET },
      url: `${APP}/bff/health`,
      timeout: 240_000,
    },
  ],
});
