/**
 * RFC 6750 bearer token handling: where the token comes from and what a refusal looks like.
 */
import type { IncomingMessage } from 'node:http';

export type BearerCredentials =
  /** No Authorization header, or another scheme: the client did not try to authenticate. */
  | { readonly kind: 'missing' }
  /** An Authorization header that no token can be read from (RFC 6750 `invalid_request`). */
  | { readonly kind: 'malformed'; readonly description: string }
  | { readonly kind: 'token'; readonly token: string };

// b64token syntax (RFC 6750 section 2.1).
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * Reads the token from the Authorization header only. The query (`?access_token=`) and form body
 * methods of RFC 6750 are deliberately not supported: URLs end up in logs and history.
 */
export function readBearerToken(req: IncomingMessage): BearerCredentials {
  // headersDistinct keeps repeated headers apart; `req.headers` would silently keep the first.
  const values = req.headersDistinct['authorization'];
  if (values === undefined) {
    return { kind: 'missing' };
  }
  if (values.length !== 1) {
    return { kind: 'malformed', description: 'more than one Authorization header' };
  }
  const header = (values[0] ?? '').trim();
  if (header === '') {
    return { kind: 'malformed', description: 'empty Authorization header' };
  }
  const match = /^Bearer(?:\s+(.*))?$/i.exec(header);
  if (!match) {
    // Another scheme (Basic, ...) is a client that did not try Bearer: answer with the challenge.
    return /^Bearer\W/i.test(header)
      ? { kind: 'malformed', description: 'malformed Authorization header' }
      : { kind: 'missing' };
  }
  const token = match[1] ?? '';
  if (token === '') {
    return { kind: 'malformed', description: 'Bearer without a token' };
  }
  return B64TOKEN.test(token)
    ? { kind: 'token', token }
    : { kind: 'malformed', description: 'malformed Authorization header' };
}

/** Challenge for a request without credentials: bare, no error code (RFC 6750 section 3.1). */
export function missingTokenChallenge(): string {
  return 'Bearer';
}

/** Challenge for a malformed Authorization header, answered with 400. */
export function invalidRequestChallenge(description: string): string {
  return challenge('invalid_request', description);
}

/** Challenge for a refused token (expired, wrongly signed, for another audience...), with 401. */
export function invalidTokenChallenge(description: string): string {
  return challenge('invalid_token', description);
}

/** Challenge for a valid token without the route's scope, with 403; names the scope needed. */
export function insufficientScopeChallenge(scope: string): string {
  return `${challenge('insufficient_scope', `this resource needs the ${scope} scope`)}, scope="${scope}"`;
}

/** `error` comes first; `description` must be a fixed, quote-free string (never the token). */
function challenge(error: string, description: string): string {
  return `Bearer error="${error}", error_description="${description}"`;
}
