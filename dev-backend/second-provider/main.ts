/**
 * `node --import tsx dev-backend/second-provider/main.ts`: the second, differently configured
 * provider on IDP_PORT, for the e2e run of `npm start`'s external-provider mode
 * (playwright.external.config.ts). Its issuer is `http://localhost:${IDP_PORT}/realms/demo`;
 * OIDC_ISSUER, when set, must say exactly that.
 */
import { runServer } from '../shared/run-server.ts';
import { readSettings } from '../settings.ts';
import { startSecondProvider } from './server.ts';

await runServer(
  'second identity provider',
  'IDP_PORT',
  async () => {
    const settings = readSettings();
    const provider = await startSecondProvider({
      port: settings.idpPort,
      appOrigin: settings.appOrigin,
      apiAudience: settings.apiAudience,
      accessTokenTtl: settings.accessTokenTtl,
      refreshTokenTtl: settings.refreshTokenTtl,
    });
    if (settings.provider === 'external' && settings.issuer !== provider.issuer) {
      await provider.close();
      throw new Error(
        `OIDC_ISSUER is "${settings.issuer}", but this provider is ${provider.issuer}`,
      );
    }
    return provider;
  },
  (provider) => `issuer ${provider.issuer} (keys at a Keycloak-like path, typ JWT access tokens)`,
);
