/**
 * The API calls of a page the BFF renders. The render's HttpClient has no cookie, and the tokens
 * must not leave the BFF, so the app's server build calls this `fetch` instead of the network: it
 * sends the call in process (fastify's `inject`) through the API proxy route, as the page's
 * browser would send it, with the page request's cookie and caller address. The proxy's rules
 * all apply unchanged: the refresh before an expiring token, its single flight per session, the
 * version check after a 401 and the 401 brake, the CSRF check, the rate limits and the access log.
 * The answer is the proxy's, without Set-Cookie (the page's own session lookup already did what
 * the cookies needed).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';

import { CSRF_HEADER, CSRF_HEADER_VALUE } from './csrf.ts';

/** Request headers of the render that are not the app's to set: the BFF sets them itself. */
const REPLACED_HEADERS = new Set([
  'cookie',
  'authorization',
  'proxy-authorization',
  'host',
  'origin',
  'referer',
  'forwarded',
  'content-length',
  CSRF_HEADER,
]);

export interface RenderFetchOptions {
  readonly publicOrigin: string;
  /** The API proxy's prefix (BFF_API_PREFIX): nothing else can be fetched. */
  readonly apiPrefix: string;
}

/** A `fetch` for the render of `page`: the BFF's API only, with `page`'s session. */
export function renderFetch(
  server: FastifyInstance,
  page: FastifyRequest,
  { publicOrigin, apiPrefix }: RenderFetchOptions,
): (request: Request) => Promise<Response> {
  return async (request) => {
    const url = new URL(request.url);
    if (url.origin !== publicOrigin || !url.pathname.startsWith(apiPrefix)) {
      // Anything else is not the session's to call: the render sends it over the network.
      throw new TypeError(
        `the BFF fetches only its API (${publicOrigin}${apiPrefix}): ${url.href}`,
      );
    }
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => {
      if (!REPLACED_HEADERS.has(name) && !name.startsWith('x-forwarded-')) headers[name] = value;
    });
    const cookie = page.headers.cookie;
    if (cookie) headers['cookie'] = cookie;
    // What the app's own same-origin call from the page carries.
    headers[CSRF_HEADER] = CSRF_HEADER_VALUE;
    headers['sec-fetch-site'] = 'same-origin';
    if (request.method !== 'GET' && request.method !== 'HEAD') headers['origin'] = publicOrigin;
    const body = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
    const answer = await server.inject({
      method: request.method as 'GET',
      url: url.pathname + url.search,
      headers,
      ...(body ? { payload: body } : {}),
      // The page's caller: the rate limits count the call as that caller's, the log names them.
      remoteAddress: page.ip,
    });
    const responseHeaders = new Headers();
    for (const [name, value] of Object.entries(answer.headers)) {
      if (value === undefined || name === 'set-cookie') continue;
      for (const one of Array.isArray(value) ? value : [value])
        responseHeaders.append(name, String(one));
    }
    const nullBody =
      answer.statusCode === 204 || answer.statusCode === 304 || request.method === 'HEAD';
    return new Response(nullBody ? null : answer.rawPayload, {
      status: answer.statusCode,
      statusText: answer.statusMessage,
      headers: responseHeaders,
    });
  };
}
