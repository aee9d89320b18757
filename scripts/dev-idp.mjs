// `npm run dev:idp`: the dev identity provider, unless OIDC_ISSUER names an external one. Then
// nothing is started here; this process only says so and waits, because `npm start` stops the
// whole stack as soon as one of its three processes exits.
import { spawn } from 'node:child_process';

import { stackEnv } from './stack-env.mjs';

const env = stackEnv();
if (env.external) {
  const which = env.mode === 'bff' ? "the BFF's confidential client" : "the app's public client";
  const doctor = env.mode === 'bff' ? 'AUTH_MODE=bff npm run doctor' : 'npm run doctor';
  console.log(
    `Using the external provider ${env.external.issuer} (${which} ${env.external.clientId}); ` +
      `the dev provider is not started. Run "${doctor}" to check it.`,
  );
  setInterval(() => {}, 1 << 30);
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));
} else {
  // node --import tsx directly (not npx): one child process, so a signal reaches the provider.
  const idp = spawn(
    process.execPath,
    ['--import', 'tsx', 'dev-backend/identity-provider/main.ts'],
    {
      stdio: 'inherit',
    },
  );
  // Forward Ctrl-C and concurrently's kill to the provider, and exit as it exits.
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => idp.kill(signal));
  idp.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
