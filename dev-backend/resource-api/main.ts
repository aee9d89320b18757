/**
 * `npx tsx dev-backend/resource-api/main.ts`: starts the resource API with the settings from the
 * environment (see ../settings.ts) and stops it on Ctrl-C / SIGTERM.
 */
import { runServer } from '../shared/run-server.ts';
import { readDpopSettings, readSettings } from '../settings.ts';
import { startResourceApi } from './server.ts';

await runServer(
  'resource API',
  'API_PORT',
  async () => {
    const settings = readSettings();
    return startResourceApi({
      port: settings.apiPort,
      issuer: settings.issuer,
      audience: settings.apiAudience,
      appOrigin: settings.appOrigin,
      responseDelayMs: settings.apiDelayMs,
      profile: settings.provider,
      dpopNonce: readDpopSettings().apiDpopNonce,
      paymentsMaxAgeSeconds: settings.paymentsMaxAge,
    });
  },
  (api) => {
    const settings = readSettings();
    return settings.provider === 'external'
      ? `${api.url}/api/ (JWT access tokens from ${settings.issuer} for audience ${settings.apiAudience}, keys via its discovery document)`
      : `${api.url}/api/ (tokens from the issuer's /jwks; DPoP nonces ${readDpopSettings().apiDpopNonce})`;
  },
);
