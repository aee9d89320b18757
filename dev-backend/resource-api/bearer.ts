/**
 * RFC 6750 bearer token handling: where the token comes from and what a refusal looks like.
 */
import type { IncomingMessage } from 'node:http';

/** The realm named in every challenge. */
const REALM = 'api';

export type BearerCredentials =
  /** No Authorization header, or another scheme: the client did not try to authenticate. */
  | { readonly kind: 'missing' }
  /** `Bearer` with something that cannot be a token. */
  | { readonly kind: 'malformed' }
  | { readonly kind: 'token'; readonly token: string };

// token68 syntax (RFC 6750 section 2.1 / RFC 7235).
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * Reads the token from the Authorization header only. The query (`?access_token=`) and form body
 * methods of RFC 6750 are deliberately not supported: URLs end up in logs and history.
 */
export function readBearerToken(req: IncomingMessage): BearerCredentials {
  const header = req.headers.authorization;
  if (!header) {
    return { kind: 'missing' };
  }
  const match = /^Bearer(?:\s+(.*))?$/i.exec(header.trim());
  if (!match) {
    return { kind: 'missing' };
  }
  const token = match[1]?.trim() ?? '';
  return TOKEN68.test(token) ? { kind: 'token', token } : { kind: 'malformed' };
}

/** Challenge for a request without credentials: no error code (RFC 6750 section 3.1). */
export function missingTokenChallenge(): string {
  return `Bearer realm="${REALM}"`;
}

/**
 * Challenge for a refused token. `error` comes first so the header starts with the contract's
 * `Bearer error="invalid_token"`; `description` must be a fixed, quote-free string.
 */
export function invalidTokenChallenge(description: string): string {
  return `Bearer error="invalid_token", error_description="${description}", realm="${REALM}"`;
}
