// The app's server entry (angular.json "ssr.entry"). It exports renderPage for the servers that
// host the app (scripts/serve-dist.mjs in browser mode, the BFF in bff mode) and reqHandler for
// the Angular CLI's dev server. It starts no server of its own.
import { readFileSync } from 'node:fs';

import { createNodeRequestHandler, writeResponseToNodeResponse } from '@angular/ssr/node';

import { newNonce } from './server/csp-nonce';
import { renderPage } from './server/render-page';

export { renderPage } from './server/render-page';
export type { PageRenderOptions } from './server/render-page';

/**
 * `ng serve` (npm start, browser mode): pages rendered with the runtime configuration that
 * scripts/dev-app.mjs wrote for the dev server. No Content-Security-Policy in development (the
 * dev server injects its own scripts); the production servers send one.
 */
export const reqHandler = createNodeRequestHandler(async (request, response, next) => {
  try {
    const page = await renderPage(request, { nonce: newNonce(), auth: { config: devConfig() } });
    if (page) await writeResponseToNodeResponse(page, response);
    else next();
  } catch (error) {
    next(error);
  }
});

let devConfigRead: { config: unknown } | null = null;

/**
 * The file scripts/dev-app.mjs wrote before starting the dev server (AUTH_RUNTIME_CONFIG), read
 * once: it does not change while the dev server runs.
 */
function devConfig(): unknown {
  if (!devConfigRead) {
    const file = process.env['AUTH_RUNTIME_CONFIG'];
    devConfigRead = { config: file ? JSON.parse(readFileSync(file, 'utf8')) : null };
  }
  return devConfigRead.config;
}
