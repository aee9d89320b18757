/**
 * Server-side rendering of the app's pages: the BFF imports the app's server build (the
 * `server.mjs` that `ng build` makes next to the browser files, from the app's `server.ts`) and
 * hands each page request to its `renderPage`. One origin, one process: the BFF keeps its own
 * security headers, and each page gets a Content-Security-Policy with a nonce of its own.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { pathToFileURL } from 'node:url';

import { ConfigError } from './errors.ts';
import type { SessionView } from './session-http.ts';

/**
 * What the render of one page learns about its session (the library's `AuthRenderContext`):
 * the session as `/bff/session` would answer it (signed out: null; unknown, the store being
 * away: absent), and the `fetch` its API calls go through. No token is ever in it.
 */
export interface PageAuth {
  readonly session?: SessionView | null;
  readonly fetch?: (request: Request) => Promise<Response>;
}

/** What the app's server entry exports (see README, "Server-side rendering"). */
export interface AppServerEntry {
  renderPage(
    request: Request,
    options: {
      readonly nonce: string;
      readonly auth: PageAuth & { readonly config: unknown };
    },
  ): Promise<Response | null>;
}

export interface RenderedPage {
  readonly response: Response;
  /** The nonce the page's scripts carry; the page's policy must allow exactly this one. */
  readonly nonce: string;
}

export type PageRenderer = (
  request: IncomingMessage,
  auth: PageAuth,
) => Promise<RenderedPage | null>;

export interface PageRendererOptions {
  /** The app's server build (BFF_SSR_ENTRY). */
  readonly entry: string;
  /** What the BFF serves at /auth.config.json; the render gets the same. */
  readonly appConfig: unknown;
  /** BFF_PUBLIC_ORIGIN: the page's URL as the app's server sees it. */
  readonly publicOrigin: string;
}

/**
 * Loads the app's server entry once, at start-up.
 * @throws ConfigError when it cannot be loaded or exports no renderPage.
 */
export async function loadPageRenderer({
  entry,
  appConfig,
  publicOrigin,
}: PageRendererOptions): Promise<PageRenderer> {
  allowHost(new URL(publicOrigin).hostname);
  let module: Partial<AppServerEntry>;
  try {
    module = (await import(pathToFileURL(entry).href)) as Partial<AppServerEntry>;
  } catch (error) {
    throw new ConfigError(
      `BFF_SSR_ENTRY could not be loaded (${error instanceof Error ? error.message : String(error)}): ${entry}`,
    );
  }
  const { renderPage } = module;
  if (typeof renderPage !== 'function') {
    throw new ConfigError(`BFF_SSR_ENTRY exports no renderPage function: ${entry}`);
  }
  return async (request, auth) => {
    // 128 random bits, as the CSP spec asks of a nonce.
    const nonce = randomBytes(16).toString('base64');
    const response = await renderPage(pageRequest(request, publicOrigin), {
      nonce,
      auth: { config: appConfig, ...auth },
    });
    return response ? { response, nonce } : null;
  };
}

/**
 * The request as the app's server sees it: at the BFF's public origin (never the Host or
 * X-Forwarded-* headers a client or a proxy sent: the BFF decides who its clients are, and
 * @angular/ssr would fall back to client rendering on forwarded headers it was not told to trust).
 */
function pageRequest(request: IncomingMessage, publicOrigin: string): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || name.startsWith('x-forwarded-') || name === 'forwarded') continue;
    if (name === 'host') continue;
    for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one);
  }
  headers.set('host', new URL(publicOrigin).host);
  return new Request(new URL(request.url ?? '/', publicOrigin), {
    method: request.method ?? 'GET',
    headers,
  });
}

/**
 * @angular/ssr renders only for host names it allows (NG_ALLOWED_HOSTS, read when the server
 * build is imported, and the build's own list): the BFF's public host is one.
 */
function allowHost(hostname: string): void {
  const allowed = (process.env['NG_ALLOWED_HOSTS'] ?? '')
    .split(',')
    .map((host) => host.trim())
    .filter((host) => host !== '');
  if (!allowed.includes(hostname)) {
    process.env['NG_ALLOWED_HOSTS'] = [...allowed, hostname].join(',');
  }
}
