// `npm run dev:app`: the Angular dev server on APP_PORT, serving the runtime auth configuration.
import { spawn } from 'node:child_process';

import { runtimeConfig, writeRuntimeConfig } from './runtime-config.mjs';
import { stackEnv } from './stack-env.mjs';

const env = stackEnv();
if (env.mode === 'bff') {
  // The BFF serves the app (and its own runtime configuration) on APP_PORT.
  await import('./dev-bff.mjs');
} else {
  const configFile = writeRuntimeConfig(runtimeConfig(env));
  const ng = spawn(
    'npx',
    ['ng', 'serve', '--port', String(env.appPort), ...process.argv.slice(2)],
    {
      stdio: 'inherit',
      // The server render (src/server.ts) reads the same configuration the browser is served.
      env: { ...process.env, AUTH_RUNTIME_CONFIG: configFile },
    },
  );
  // Forward Ctrl-C and concurrently's kill to the dev server, and exit as it exits.
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => ng.kill(signal));
  ng.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
