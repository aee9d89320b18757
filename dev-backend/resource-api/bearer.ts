/**
 * Where the access token comes from and what a refusal looks like: RFC 6750 for the `Bearer`
 * scheme, RFC 9449 section 7.1 for the `DPoP` scheme (same syntax, its own challenge).
 */
import type { IncomingMessage } from 'node:http';

import { DPOP_ALGORITHMS } from './dpop-proof.ts';

/** The two authorization schemes the API accepts (compared case-insensitively, RFC 9110). */
export type AuthScheme = 'Bearer' | 'DPoP';

export type BearerCredentials =
  /** No Authorization header, or another scheme: the client did not try to authenticate. */
  | { readonly kind: 'missing' }
  /** An Authorization header that no token can be read from (RFC 6750 `invalid_request`). */
  | { readonly kind: 'malformed'; readonly scheme: AuthScheme; readonly description: string }
  | { readonly kind: 'token'; readonly scheme: AuthScheme; readonly token: string };

// b64token (RFC 6750 section 2.1), the same characters as token68 (RFC 9449 section 7.1).
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

const SCHEME = /^(Bearer|DPoP)(?:\s+(.*))?$/i;

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
    return {
      kind: 'malformed',
      scheme: 'Bearer',
      description: 'more than one Authorization header',
    };
  }
  const header = (values[0] ?? '').trim();
  if (header === '') {
    return { kind: 'malformed', scheme: 'Bearer', description: 'empty Authorization header' };
  }
  const match = SCHEME.exec(header);
  if (!match) {
    // Another scheme (Basic, ...) is a client that did not try Bearer: answer with the challenge.
    const glued = /^(Bearer|DPoP)\W/i.exec(header);
    return glued
      ? {
          kind: 'malformed',
          scheme: schemeOf(glued[1]),
          description: 'malformed Authorization header',
        }
      : { kind: 'missing' };
  }
  const scheme = schemeOf(match[1]);
  const token = match[2] ?? '';
  if (token === '') {
    return { kind: 'malformed', scheme, description: `${scheme} without a token` };
  }
  return B64TOKEN.test(token)
    ? { kind: 'token', scheme, token }
    : { kind: 'malformed', scheme, description: 'malformed Authorization header' };
}

function schemeOf(name: string | undefined): AuthScheme {
  return name?.toLowerCase() === 'dpop' ? 'DPoP' : 'Bearer';
}

/** Challenge for a request without credentials: bare, no error code (RFC 6750 section 3.1). */
export function missingTokenChallenge(): string {
  return 'Bearer';
}

/** Challenge for a malformed Authorization header, answered with 400. */
export function invalidRequestChallenge(
  description: string,
  scheme: AuthScheme = 'Bearer',
): string {
  return challenge(scheme, 'invalid_request', description);
}

/** Challenge for a refused token (expired, wrongly signed, for another audience...), with 401. */
export function invalidTokenChallenge(description: string, scheme: AuthScheme = 'Bearer'): string {
  return challenge(scheme, 'invalid_token', description);
}

/** Challenge for a valid token without the route's scope, with 403; names the scope needed. */
export function insufficientScopeChallenge(scope: string, scheme: AuthScheme = 'Bearer'): string {
  return `${challenge(scheme, 'insufficient_scope', `this resource needs the ${scope} scope`)}, scope="${scope}"`;
}

/**
 * Challenge for a valid token from too weak or too old an authentication (RFC 9470 section 3),
 * with 401: the client should sign the user in again with these `acr_values` and `max_age`.
 */
export function insufficientUserAuthenticationChallenge(
  acr: string,
  maxAgeSeconds: number,
  scheme: AuthScheme = 'Bearer',
): string {
  const description = 'a stronger or more recent authentication is required';
  return `${challenge(scheme, 'insufficient_user_authentication', description)}, acr_values="${acr}", max_age=${maxAgeSeconds}`;
}

/**
 * Challenge for a refused DPoP request (RFC 9449 sections 7.1 and 9): `invalid_dpop_proof`,
 * `invalid_token` (a token not bound to the proof's key) or `use_dpop_nonce`.
 */
export function dpopChallenge(error: string, description: string): string {
  return challenge('DPoP', error, description);
}

/**
 * `error` comes first; `description` must be a fixed, quote-free string (never the token). DPoP
 * challenges name the proof algorithms the API accepts (`algs`, RFC 9449 section 7.1).
 */
function challenge(scheme: AuthScheme, error: string, description: string): string {
  const algs = scheme === 'DPoP' ? `, algs="${DPOP_ALGORITHMS.join(' ')}"` : '';
  return `${scheme} error="${error}", error_description="${description}"${algs}`;
}
