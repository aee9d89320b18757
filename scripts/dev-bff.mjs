// `AUTH_MODE=bff npm start`, the app part: builds the app (development, rebuilding on every
// change) and serves it through the backend-for-frontend on APP_PORT, against the dev provider's
// confidential client `demo-bff` and the dev API. The browser talks only to the BFF, which also
// renders the pages with the app's server build. The BFF starts after the first build and
// restarts after every rebuild: a module once imported cannot be replaced, and the old build's
// files are gone (its sessions survive a restart only with REDIS_URL set).
import { spawn } from 'node:child_process';

import { bffEnv, DEV_LIMITS } from './bff-env.mjs';
import { stackEnv } from './stack-env.mjs';

const env = stackEnv();
const BUILT = 'Application bundle generation complete';

let stopping = false;
let restarting = false;
/** @type {import('node:child_process').ChildProcess | null} */
let bff = null;

const build = spawn(
  'npx',
  ['ng', 'build', '--configuration', 'development', '--progress=false', '--watch'],
  { stdio: ['inherit', 'pipe', 'inherit'] },
);
build.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  if (!String(chunk).includes(BUILT) || restarting) return;
  if (!bff) {
    bff = startBff();
    return;
  }
  console.log('[dev-bff] The app was rebuilt: restarting the BFF.');
  restarting = true;
  bff.kill('SIGTERM');
});

function startBff() {
  // Node itself, not npx: a signal must reach the process that holds the port.
  const child = spawn(process.execPath, ['--import', 'tsx', 'bff/main.ts'], {
    stdio: 'inherit',
    // Generous limits (one developer and their test tools share loopback); the environment wins.
    env: { ...DEV_LIMITS, ...process.env, ...bffEnv(env) },
  });
  child.on('exit', (code, signal) => {
    if (restarting && !stopping) {
      restarting = false;
      bff = startBff();
      return;
    }
    // The BFF stopped by itself (a configuration error, a crash): stop everything.
    if (!stopping) stop('SIGTERM');
    process.exitCode = code ?? (signal ? 1 : 0);
  });
  return child;
}

// Forward Ctrl-C and concurrently's kill; when the build watcher exits, stop the BFF too.
function stop(signal) {
  stopping = true;
  build.kill(signal);
  bff?.kill(signal);
}
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => stop(signal));
build.on('exit', (code, signal) => {
  if (!stopping) stop('SIGTERM');
  if (!bff || bff.exitCode !== null) process.exit(code ?? (signal ? 1 : 0));
});
