/**
 * CSRF defence for the BFF's state-changing routes and for every proxied API call, in three
 * layers: the session cookie is SameSite=Lax (no cross-site subrequest carries it); a custom
 * request header is required (a cross-origin page cannot add one without a CORS preflight, which
 * the BFF never grants, and a plain form or <img> cannot add one at all); and the browser's own
 * Sec-Fetch-Site, or else Origin, must name this very origin. `localhost:<other port>` is the
 * same *site* (it receives Lax cookies) but not the same *origin*: it is refused here.
 */
import type { FastifyRequest } from 'fastify';

import { BffError } from './errors.ts';

/** The header the app must send on every call to /bff/* (but login/callback) and /api/*. */
export const CSRF_HEADER = 'x-bff-csrf';
/** Its required value. */
export const CSRF_HEADER_VALUE = '1';

/** Throws `csrf_rejected` (403) unless the request comes from the app's own origin. */
export function assertSameOrigin(request: FastifyRequest, publicOrigin: string): void {
  if (request.headers[CSRF_HEADER] !== CSRF_HEADER_VALUE) {
    throw csrfRejected(`the ${CSRF_HEADER} header is required`);
  }
  const fetchSite = request.headers['sec-fetch-site'];
  if (fetchSite !== undefined && fetchSite !== 'same-origin') {
    throw csrfRejected(`Sec-Fetch-Site ${String(fetchSite)} is not same-origin`);
  }
  const origin = request.headers.origin;
  // Browsers without Fetch Metadata still send Origin on cross-origin requests and on POSTs.
  if (origin !== undefined && origin !== publicOrigin) {
    throw csrfRejected('Origin is not the app');
  }
}

function csrfRejected(message: string): BffError {
  return new BffError('csrf_rejected', 403, `request refused: ${message}`);
}
