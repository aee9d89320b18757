import { bffVariant } from './e2e/helpers/bff-variant';

/**
 * `AUTH_MODE=bff` with a BFF whose client the provider refuses (a wrong OIDC_CLIENT_SECRET): the
 * login page must name the likely cause (client refused, the doctor's client-auth check) and the
 * BFF's log the provider's status and error. Its own BFF because the BFF's secret is fixed at
 * start-up.
 */
export const REFUSED_BFF_LOG = 'test-results/bff-refused.log';
export const WRONG_SECRET = 'e2e-wrong-secret-not-the-dev-one';

export default bffVariant({
  name: 'e2e-bff-refused',
  testMatch: '*.refused.ts',
  log: REFUSED_BFF_LOG,
  env: { OIDC_CLIENT_SECRET: WRONG_SECRET },
});
