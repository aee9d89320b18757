/**
 * The BFF's security headers (helmet's, with the app's Content-Security-Policy), computed once at
 * start-up and set on every answer. The policy has no per-request part (no nonce), so the header
 * set is a constant; @fastify/helmet would build helmet's middleware again for every request,
 * which the bench measured at 7% of the BFF's CPU under load, for the same headers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import helmet, { type HelmetOptions } from 'helmet';

export type SecurityHeaders = Readonly<Record<string, string>>;

/**
 * The headers for every answer. Strict-Transport-Security only off loopback: over plain http on
 * loopback it would only confuse the next local project.
 */
export function securityHeaders({ loopback }: { loopback: boolean }): SecurityHeaders {
  return headersOf({
    // For the app: it talks to its own origin only. Scripts: a server-rendered page's policy adds
    // its own nonce (pageSecurityHeaders); a client-rendered app's index.html carries the policy
    // Angular's autoCsp writes (hashes and 'strict-dynamic').
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        // No default-src: it would also govern scripts and block the inline loader that
        // index.html's own policy allows by hash. Every other fetch directive is set.
        'default-src': helmet.contentSecurityPolicy.dangerouslyDisableDefaultSrc,
        'connect-src': ["'self'"],
        'style-src': ["'self'", "'unsafe-inline'"],
        'img-src': ["'self'", 'data:'],
        'font-src': ["'self'"],
        'object-src': ["'none'"],
        'base-uri': ["'self'"],
        'form-action': ["'self'"],
        'frame-ancestors': ["'none'"],
      },
    },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: loopback ? false : { maxAge: 31_536_000, includeSubDomains: true },
  });
}

/**
 * The headers of one server-rendered page: the same, with a script policy that allows only
 * scripts carrying this page's nonce and what they load ('strict-dynamic'). `https:` and
 * 'unsafe-inline' only for browsers older than CSP 3, which ignore the rest; any browser that
 * knows 'strict-dynamic' ignores both.
 */
export function pageSecurityHeaders(headers: SecurityHeaders, nonce: string): SecurityHeaders {
  const policy = headers['content-security-policy'];
  return {
    ...headers,
    'content-security-policy': `script-src 'nonce-${nonce}' 'strict-dynamic' https: 'unsafe-inline';${policy}`,
  };
}

/** Runs helmet's middleware once against a recording response and returns what it set. */
function headersOf(options: HelmetOptions): SecurityHeaders {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  let failure: unknown;
  helmet(options)(
    {} as IncomingMessage,
    recorder as unknown as ServerResponse,
    (error?: unknown) => (failure = error),
  );
  if (failure) throw failure;
  return headers;
}
