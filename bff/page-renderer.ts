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

/** What the app's server entry exports (see README, "Server-side rendering"). */
export interface AppServerEntry {
  renderPage(
    request: IncomingMessage,
    options: { readonly nonce: string; readonly auth: { readonly config: unknown } },
  ): Promise<Response | null>;
}

export interface RenderedPage {
  readonly response: Response;
  /** The nonce the page's scripts carry; the page's policy must allow exactly this one. */
  readonly nonce: string;
}

export type PageRenderer = (request: IncomingMessage) => Promise<RenderedPage | null>;

/**
 * Loads the app's server entry once, at start-up.
 * @throws ConfigError when it cannot be loaded or exports no renderPage.
 */
export async function loadPageRenderer(entry: string, appConfig: unknown): Promise<PageRenderer> {
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
  return async (request) => {
    // 128 random bits, as the CSP spec asks of a nonce.
    const nonce = randomBytes(16).toString('base64');
    const response = await renderPage(request, { nonce, auth: { config: appConfig } });
    return response ? { response, nonce } : null;
  };
}
