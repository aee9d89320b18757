// Serves the production build (`ng build`) on APP_PORT the way a deployment should: the
// runtime auth configuration at /auth.config.json, the CSP header, and index.html for every
// app route. Used by the e2e tests and the benchmark; `npm run serve:dist` to try it by hand.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

import { cspHeader } from './csp.mjs';
import { runtimeConfig } from './runtime-config.mjs';
import { stackEnv } from './stack-env.mjs';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
  '.svg': 'image/svg+xml',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * @param {{ root: string, port: number, config: object }} options
 * @returns {Promise<import('node:http').Server>}
 */
export function serveDist({ root, port, config }) {
  if (!existsSync(join(root, 'index.html'))) {
    throw new Error(`No production build at ${root}: run "npm run build" first.`);
  }
  const headers = {
    'Content-Security-Policy': cspHeader(config),
    'X-Content-Type-Options': 'nosniff',
    // The sign-in redirect brings a code in the URL; never hand it to other sites as Referer.
    'Referrer-Policy': 'no-referrer',
  };
  const configBody = JSON.stringify(config);
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
    if (path === '/auth.config.json') {
      response.writeHead(200, {
        ...headers,
        'Content-Type': TYPES['.json'],
        'Cache-Control': 'no-cache',
      });
      response.end(configBody);
      return;
    }
    const file = normalize(join(root, path));
    const isAsset = file.startsWith(root) && existsSync(file) && statSync(file).isFile();
    const target = isAsset ? file : join(root, 'index.html');
    response.writeHead(200, {
      ...headers,
      'Content-Type': TYPES[extname(target)] ?? 'application/octet-stream',
      // Hashed bundles never change; index.html must always be fresh.
      'Cache-Control':
        isAsset && target !== join(root, 'index.html')
          ? 'public, max-age=31536000, immutable'
          : 'no-cache',
    });
    createReadStream(target).pipe(response);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, 'localhost', () => resolve(server));
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const env = stackEnv();
  const root = fileURLToPath(new URL('../dist/oidc-session/browser/', import.meta.url));
  await serveDist({ root, port: env.appPort, config: runtimeConfig(env) });
  console.log(`Serving the production build at ${env.appOrigin}`);
}
