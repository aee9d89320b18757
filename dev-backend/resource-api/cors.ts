/**
 * CORS for the resource API: the app's origin, and only it, may call it from a browser.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Adds the CORS headers of an actual request. `Vary: Origin` is always sent because the answer
 * differs by origin, so no cache may reuse one origin's answer for another.
 */
export function applyCors(req: IncomingMessage, res: ServerResponse, appOrigin: string): void {
  res.setHeader('Vary', 'Origin');
  if (req.headers.origin === appOrigin) {
    res.setHeader('Access-Control-Allow-Origin', appOrigin);
    // Lets the app read why a call was refused (expired vs. missing token), and the nonce its
    // next DPoP proof must carry (RFC 9449 section 9).
    res.setHeader('Access-Control-Expose-Headers', 'WWW-Authenticate, DPoP-Nonce');
  }
}

/** Answers a preflight: GET with Authorization and DPoP headers, for the app's origin only. */
export function answerPreflight(
  req: IncomingMessage,
  res: ServerResponse,
  appOrigin: string,
): void {
  res.setHeader('Vary', 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers');
  if (req.headers.origin === appOrigin && req.headers['access-control-request-method']) {
    res.setHeader('Access-Control-Allow-Origin', appOrigin);
    res.setHeader('Access-Control-Allow-Methods', 'GET');
    res.setHeader('Access-Control-Allow-Headers', 'Authorization, DPoP');
    res.setHeader('Access-Control-Max-Age', '600');
  }
  // Other origins get a bare 204: without Allow-Origin the browser blocks the actual request.
  res.writeHead(204, { Allow: 'GET, OPTIONS' }).end();
}
