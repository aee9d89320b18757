/**
 * `npm run doctor`: checks the OpenID provider the app is configured for and prints, check by
 * check, what it proved, what it could not tell and why, with the fix. Exits 1 only when something
 * is proved broken (sign-in cannot work); "cannot tell" is a warning.
 *
 *   npm run doctor                                   what `npm start` would serve (OIDC_* variables)
 *   npm run doctor -- --config public/auth.config.json --origin https://app.example.com
 *   AUTH_MODE=bff npm run doctor                     the BFF's confidential client, as
 *                                                    `AUTH_MODE=bff npm start` configures it
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import { bffEnv } from '../scripts/bff-env.mjs';
import { runtimeConfig } from '../scripts/runtime-config.mjs';
import { stackEnv } from '../scripts/stack-env.mjs';
import { isClientAuthMethod } from '../bff/client-auth.ts';
import { CALLBACK_PATH } from '../bff/routes.ts';
import type { BffClientConfig, DoctorConfig } from './finding.ts';
import { formatReport } from './print-report.ts';
import { runDoctor } from './run-doctor.ts';

/** Usage or configuration errors, as opposed to findings about the provider. */
const USAGE_ERROR = 2;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { config: { type: 'string' }, origin: { type: 'string' } },
  });
  const env = stackEnv();
  const bff = env.mode === 'bff' ? bffClient(env) : undefined;
  const config = (
    bff
      ? bff.config
      : values.config
        ? JSON.parse(readFileSync(values.config, 'utf8'))
        : runtimeConfig(env)
  ) as DoctorConfig;
  for (const field of ['issuer', 'clientId', 'scope'] as const) {
    if (typeof config[field] !== 'string' || config[field] === '') {
      throw new Error(`the configuration has no "${field}"`);
    }
  }
  const appOrigin = values.origin ?? env.appOrigin;
  if (!URL.canParse(appOrigin) || new URL(appOrigin).origin !== appOrigin) {
    throw new Error(
      `--origin must be an origin such as https://app.example.com, got "${appOrigin}"`,
    );
  }
  const report = await runDoctor({ config, appOrigin, ...(bff ? { bff: bff.client } : {}) });
  const source = bff
    ? "BFF mode: the BFF's confidential client, as AUTH_MODE=bff npm start configures it"
    : (values.config ?? 'the configuration npm start serves');
  console.log(
    formatReport(
      report,
      `Provider doctor: issuer ${config.issuer}, client ${config.clientId}, app ${appOrigin} (${source})`,
    ),
  );
  return report.signInCanWork ? 0 : 1;
}

/** BFF mode: what `AUTH_MODE=bff npm start` gives the BFF (scripts/bff-env.mjs). */
function bffClient(env: ReturnType<typeof stackEnv>): {
  config: DoctorConfig;
  client: BffClientConfig;
} {
  const bff = bffEnv(env);
  const clientAuth = bff.OIDC_CLIENT_AUTH;
  if (clientAuth !== undefined && !isClientAuthMethod(clientAuth)) {
    throw new Error(`OIDC_CLIENT_AUTH must be client_secret_basic or client_secret_post`);
  }
  return {
    config: {
      issuer: bff.OIDC_ISSUER,
      clientId: bff.OIDC_CLIENT_ID,
      scope: bff.OIDC_SCOPE,
      postLogoutPath: '/',
    },
    client: {
      clientSecret: bff.OIDC_CLIENT_SECRET,
      callbackPath: CALLBACK_PATH,
      ...(clientAuth ? { clientAuth } : {}),
    },
  };
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`npm run doctor: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(USAGE_ERROR);
  },
);
