import type { IncomingMessage } from 'node:http';

import { AngularNodeAppEngine } from '@angular/ssr/node';

import type { PageRequestContext } from '../app/app.config.server';
import { applyNonce } from './csp-nonce';

/** One engine per process; it validates the Host header against NG_ALLOWED_HOSTS / angular.json. */
const engine = new AngularNodeAppEngine();

export interface PageRenderOptions extends PageRequestContext {
  /** This response's CSP nonce; the host puts the same one in its Content-Security-Policy. */
  readonly nonce: string;
}

/**
 * Renders one page of the app on the server (`request`: Node's, or a web Request, as the BFF
 * builds it at its public origin), or returns null when the request is not for a page
 * (the host then answers it: a static file, a 404). The host owns everything around the page:
 * its security headers with the nonce, the static files, `/auth.config.json`, and in bff mode
 * the session. Caching headers come from the render: a page that is or could be rendered with a
 * session says `Cache-Control: private, no-store` and `Vary: Cookie` (the session layer sets them).
 */
export async function renderPage(
  request: IncomingMessage | Request,
  { nonce, auth }: PageRenderOptions,
): Promise<Response | null> {
  const context: PageRequestContext = { auth };
  const response = await engine.handle(request, context);
  if (!response) return null;
  if (!response.headers.get('content-type')?.startsWith('text/html')) return response;
  const html = applyNonce(await response.text(), nonce);
  const headers = new Headers(response.headers);
  headers.delete('content-length');
  return new Response(html, { status: response.status, statusText: response.statusText, headers });
}
