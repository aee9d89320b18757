// `AUTH_MODE=bff npm start`, the app part: builds the app (development, then rebuilding on every
// change) and serves it through the backend-for-frontend on APP_PORT, against the dev provider's
// confidential client `demo-bff` and the dev API. The browser talks only to the BFF.
import { spawn, spawnSync } from 'node:child_process';

import { bffEnv, DEV_LIMITS } from './bff-env.mjs';
import { stackEnv } from './stack-env.mjs';

const env = stackEnv();
const ng = ['ng', 'build', '--configuration', 'development', '--progress=false'];
// The BFF refuses to start without a built index.html, so the first build runs to completion.
const first = spawnSync('npx', ng, { stdio: 'inherit' });
if (first.status !== 0) process.exit(first.status ?? 1);

const children = [
  spawn('npx', [...ng, '--watch'], { stdio: 'inherit' }),
  spawn('npx', ['tsx', 'bff/main.ts'], {
    stdio: 'inherit',
    // Generous limits (one developer and their test tools share loopback); the environment wins.
    env: { ...DEV_LIMITS, ...process.env, ...bffEnv(env) },
  }),
];
// Forward Ctrl-C and concurrently's kill, and stop the other child when one exits.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => children.forEach((child) => child.kill(signal)));
}
for (const child of children) {
  child.on('exit', (code, signal) => {
    children.forEach((other) => other !== child && other.kill('SIGTERM'));
    process.exit(code ?? (signal ? 1 : 0));
  });
}
