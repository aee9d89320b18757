/**
 * `npm run doctor`: checks the OpenID provider the app is configured for and prints, check by
 * check, what will work and what will not, with the fix. Exits 1 when sign-in cannot work.
 *
 *   npm run doctor                                   what `npm start` would serve (OIDC_* variables)
 *   npm run doctor -- --config public/auth.config.json --origin https://app.example.com
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import { runtimeConfig } from '../scripts/runtime-config.mjs';
import { stackEnv } from '../scripts/stack-env.mjs';
import type { DoctorConfig } from './finding.ts';
import { formatReport } from './print-report.ts';
import { runDoctor } from './run-doctor.ts';

/** Usage or configuration errors, as opposed to findings about the provider. */
const USAGE_ERROR = 2;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { config: { type: 'string' }, origin: { type: 'string' } },
  });
  const env = stackEnv();
  const config = (
    values.config ? JSON.parse(readFileSync(values.config, 'utf8')) : runtimeConfig(env)
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
  const report = await runDoctor({ config, appOrigin });
  console.log(
    formatReport(
      report,
      `Provider doctor: issuer ${config.issuer}, client ${config.clientId}, app ${appOrigin}` +
        ` (${values.config ?? 'the configuration npm start serves'})`,
    ),
  );
  return report.signInCanWork ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`npm run doctor: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(USAGE_ERROR);
  },
);
