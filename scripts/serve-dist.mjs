// Serves the production build (`ng build`) on APP_PORT the way a deployment should: pages
// rendered on the server per request by the build's server entry (src/server.ts), each with its
// own CSP nonce; the runtime auth configuration at /auth.config.json; the hashed bundles as
// immutable files. A build without a server entry (the bench's client-only apps) gets index.html
// for every app route instead. Used by the e2e tests and the benchmark; `npm run serve:dist` to
// try it by hand.
import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { Readable } from 'node:stream';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

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

const BASE_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  // The sign-in redirect brings a code in the URL; never hand it to other sites as Referer.
  'Referrer-Policy': 'no-referrer',
};

/**
 * @param {{ root: string, port: number, config: object }} options `root` is the build's browser
 *   folder; its server entry, when there is one, is `../server/server.mjs`.
 * @returns {Promise<import('node:http').Server>}
 */
export async function serveDist({ root, port, config }) {
  const serverEntry = join(root, '..', 'server', 'server.mjs');
  const pages = existsSync(serverEntry)
    ? await import(pathToFileURL(serverEntry).href)
    : existsSync(join(root, 'index.html'))
      ? null
      : missingBuild(root);
  const configBody = JSON.stringify(config);
  const origin = `http://localhost:${port}`;
  const server = createServer((request, response) => {
    const target = new URL(request.url ?? '/', 'http://localhost');
    let path;
    try {
      path = decodeURIComponent(target.pathname);
    } catch {
      // `%E0%A4%A` and the like: no file or page has such a name.
      response.writeHead(400, { ...BASE_HEADERS, 'Content-Type': TYPES['.txt'] });
      response.end('Bad request');
      return;
    }
    if (path === '/auth.config.json') {
      response.writeHead(200, {
        ...BASE_HEADERS,
        'Content-Type': TYPES['.json'],
        'Cache-Control': 'no-cache',
      });
      response.end(configBody);
      return;
    }
    const file = normalize(join(root, path));
    const isAsset =
      file.startsWith(root) &&
      existsSync(file) &&
      statSync(file).isFile() &&
      !file.endsWith('.html');
    if (isAsset) {
      response.writeHead(200, {
        ...BASE_HEADERS,
        'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
        // Hashed bundles never change; anything else (favicon.ico) may, after a deploy.
        'Cache-Control': HASHED.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache',
      });
      createReadStream(file).pipe(response);
      return;
    }
    if (extname(path) !== '') {
      // A file that is not there (an old chunk after a deploy): not a page of the app.
      response.writeHead(404, { ...BASE_HEADERS, 'Content-Type': TYPES['.txt'] });
      response.end('Not found');
      return;
    }
    if (pages) {
      renderedPage(pages, pageRequest(request, target, origin), response, config).catch((error) => {
        console.error('[serve-dist] The page could not be rendered:', error);
        if (!response.headersSent) response.writeHead(500, BASE_HEADERS);
        response.end();
      });
      return;
    }
    response.writeHead(200, {
      ...BASE_HEADERS,
      'Content-Security-Policy': cspHeader(config),
      'Content-Type': TYPES['.html'],
      'Cache-Control': 'no-cache',
    });
    createReadStream(join(root, 'index.html')).pipe(response);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, 'localhost', () => resolve(server));
  });
}

/** A file name with the build's content hash (`main-ABCD1234.js`, `styles-….css`). */
const HASHED = /-[A-Z0-9]{8,}\.(js|css)$/;

/**
 * The request as the app's server sees it: at this server's own origin, with its path and query
 * (also from an absolute-form request target), without the Host or X-Forwarded-* a client sent.
 * @angular/ssr would refuse a forged host, and fall back to client rendering (losing a page's
 * private caching headers) on a forwarded header it was not told to trust.
 */
function pageRequest(request, target, origin) {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || name === 'host' || name === 'forwarded') continue;
    if (name.startsWith('x-forwarded-')) continue;
    for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one);
  }
  return new Request(new URL(target.pathname + target.search, origin), {
    method: request.method,
    headers,
  });
}

/** A page from the server entry, under a policy whose nonce is this response's alone. */
async function renderedPage(pages, request, response, config) {
  const nonce = randomBytes(16).toString('base64');
  const page = await pages.renderPage(request, { nonce, auth: { config } });
  if (!page) {
    response.writeHead(404, { ...BASE_HEADERS, 'Content-Type': TYPES['.txt'] });
    response.end('Not found');
    return;
  }
  // A page the same for everyone may be stored, but is revalidated every time; the render
  // replaces this with `private, no-store` when the page is or could be a session's.
  const headers = new Headers({ 'Cache-Control': 'no-cache' });
  for (const [name, value] of page.headers) headers.set(name, value);
  for (const [name, value] of Object.entries(BASE_HEADERS)) headers.set(name, value);
  headers.set('Content-Security-Policy', cspHeader(config, { nonce }));
  response.writeHead(page.status, Object.fromEntries(headers));
  if (page.body) Readable.fromWeb(page.body).pipe(response);
  else response.end();
}

function missingBuild(root) {
  throw new Error(`No production build at ${root}: run "npm run build" first.`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const env = stackEnv();
  const root = fileURLToPath(new URL('../dist/oidc-session/browser/', import.meta.url));
  await serveDist({ root, port: env.appPort, config: runtimeConfig(env) });
  console.log(`Serving the production build at ${env.appOrigin}`);
}
