/**
 * `npx tsx dev-backend/identity-provider/main.ts`: starts the dev identity provider with the
 * settings from the environment (see ../settings.ts) and stops it on Ctrl-C / SIGTERM.
 */
import { runServer } from '../shared/run-server.ts';
import { readSettings } from '../settings.ts';
import { readProviderQuirks } from './provider-quirks.ts';
import { startIdentityProvider } from './server.ts';

await runServer(
  'identity provider',
  'IDP_PORT',
  async () => {
    const settings = readSettings();
    return startIdentityProvider({
      port: settings.idpPort,
      appOrigin: settings.appOrigin,
      apiAudience: settings.apiAudience,
      accessTokenTtl: settings.accessTokenTtl,
      refreshTokenTtl: settings.refreshTokenTtl,
      quirks: readProviderQuirks(),
    });
  },
  (idp) => `issuer ${idp.issuer}`,
);
