/**
 * The dev-only stats endpoint both servers expose, so browser tests can ask what a server saw.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import { pathOf, sendJson } from './http.ts';
import { isLoopbackAddress } from './loopback.ts';

/** Path prefix of every dev-only route. */
export const DEV_PATH_PREFIX = '/__dev/';

/** Counters that can be read and zeroed. */
export interface Resettable<T> {
  snapshot(): T;
  reset(): void;
}

/**
 * Handles GET `/__dev/stats` and POST `/__dev/stats/reset` (which answers the zeroed snapshot)
 * for loopback callers; 403 for anyone else, 404/405 for other paths and methods. A reset sent by
 * a web page is refused too (see isFromAWebPage).
 */
export function serveDevStats(
  stats: Resettable<unknown>,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  if (!isLoopbackAddress(req.socket.remoteAddress)) {
    sendJson(res, 403, {
      error: 'forbidden',
      error_description: 'dev endpoints answer loopback callers only',
    });
    return;
  }
  const path = pathOf(req);
  if (path === '/__dev/stats' && req.method === 'GET') {
    sendJson(res, 200, stats.snapshot());
  } else if (path === '/__dev/stats/reset' && req.method === 'POST') {
    if (isFromAWebPage(req)) {
      sendJson(res, 403, {
        error: 'forbidden',
        error_description: 'the stats cannot be reset from a web page',
      });
      return;
    }
    stats.reset();
    sendJson(res, 200, stats.snapshot());
  } else if (path === '/__dev/stats' || path === '/__dev/stats/reset') {
    sendJson(res, 405, { error: 'method_not_allowed' });
  } else {
    sendJson(res, 404, { error: 'not_found' });
  }
}

/**
 * True for a request a browser sent on behalf of a page. The loopback check alone does not stop
 * a site the user visits: the user's own browser is on loopback, and a cross-site form POST or
 * `fetch(..., { mode: 'no-cors' })` reaches the server, so the reset would happen although the
 * page cannot read the answer. Browsers mark every such POST with `Origin` and (all current ones)
 * `Sec-Fetch-Site`; test runners, curl and Node's fetch send neither (Node sends only
 * `Sec-Fetch-Mode`). `Sec-Fetch-Site: none` means the user typed the URL, which is not a page.
 */
export function isFromAWebPage(req: IncomingMessage): boolean {
  const site = req.headers['sec-fetch-site'];
  return req.headers.origin !== undefined || (site !== undefined && site !== 'none');
}

/**
 * `POST /__dev/outage?down=1|0`: a switch that makes a dev server answer every other request
 * with 503, for tests that need "the provider is down" without stopping the process (which would
 * forget its grants and keys). Loopback callers that are not web pages only, like the reset.
 */
export function serveOutageSwitch(
  req: IncomingMessage,
  res: ServerResponse,
  setDown: (down: boolean) => void,
): void {
  if (!isLoopbackAddress(req.socket.remoteAddress) || isFromAWebPage(req)) {
    sendJson(res, 403, { error: 'forbidden', error_description: 'not from here' });
    return;
  }
  if (req.method !== 'POST') {
    sendJson(res, 405, { error: 'method_not_allowed' });
    return;
  }
  const down = new URL(req.url ?? '/', 'http://dev').searchParams.get('down') === '1';
  setDown(down);
  sendJson(res, 200, { down });
}
