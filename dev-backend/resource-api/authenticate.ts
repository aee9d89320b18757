/**
 * Decides whether an /api/* request is authenticated, and if not, what to answer. Unbound
 * tokens go as `Bearer` (RFC 6750) exactly as before DPoP; a DPoP-bound token (one with
 * `cnf.jkt`, RFC 9449) is accepted only with the `DPoP` scheme and a valid proof of its key, so a
 * copied token is useless without the key. Which answer comes from which rule:
 *
 * | request                                     | answer                                                    |
 * | ------------------------------------------- | --------------------------------------------------------- |
 * | no Authorization, or another scheme         | 401 `Bearer` (bare)                                       |
 * | unreadable Authorization header             | 400 `<scheme> error="invalid_request"`                    |
 * | bad token (expired, signature, audience…)   | 401 `<scheme> error="invalid_token"`                      |
 * | token with a `cnf` other than `jkt`         | 401 `<scheme> error="invalid_token"`                      |
 * | bound token as `Bearer`                     | 401 `DPoP error="invalid_token"`                          |
 * | unbound token as `DPoP`                     | 401 `DPoP error="invalid_token"`                          |
 * | bound token as `DPoP`, bad proof            | 401 `DPoP error="invalid_dpop_proof"` (see dpop-proof.ts) |
 * | proof of another key                        | 401 `DPoP error="invalid_token"`                          |
 * | stale proof, bad nonce, or nonce required   | 401 `DPoP error="use_dpop_nonce"` + `DPoP-Nonce`          |
 */
import type { IncomingMessage } from 'node:http';

import {
  dpopChallenge,
  invalidRequestChallenge,
  invalidTokenChallenge,
  missingTokenChallenge,
  readBearerToken,
  type AuthScheme,
} from './bearer.ts';
import type { DpopVerifier } from './dpop-proof.ts';
import type { AccessTokenClaims, AccessTokenVerifier } from './verify-access-token.ts';

export type AuthOutcome =
  | {
      readonly ok: true;
      readonly claims: AccessTokenClaims;
      /** The scheme the token came with: a 403 answers in the same scheme. */
      readonly scheme: AuthScheme;
      /** Headers for the answer, whatever it is (a newer `DPoP-Nonce`). */
      readonly headers: Readonly<Record<string, string>>;
    }
  | {
      readonly ok: false;
      readonly status: 400 | 401;
      readonly body: { readonly error: string; readonly error_description: string };
      readonly headers: Readonly<Record<string, string>>;
      /** What /__dev/stats counts: a 401 reason, or a 400 `invalid_request`. */
      readonly count: { readonly unauthorized: string } | 'invalid_request';
    };

export interface AuthenticatorOptions {
  readonly verifyToken: AccessTokenVerifier;
  readonly verifyProof: DpopVerifier;
  /** The API's public origin, e.g. `http://localhost:3000`: proofs' `htu` must name it. */
  readonly publicOrigin: () => string;
}

export type Authenticator = (req: IncomingMessage, path: string) => Promise<AuthOutcome>;

export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const { verifyToken, verifyProof, publicOrigin } = options;

  return async (req, path) => {
    const credentials = readBearerToken(req);
    if (credentials.kind === 'missing') {
      return refusal(401, 'unauthorized', 'bearer token required', missingTokenChallenge(), {
        unauthorized: 'missing_token',
      });
    }
    if (credentials.kind === 'malformed') {
      // RFC 6750 section 3.1: a malformed request is 400 invalid_request, not a bad token.
      const { description, scheme } = credentials;
      return refusal(
        400,
        'invalid_request',
        description,
        invalidRequestChallenge(description, scheme),
        'invalid_request',
      );
    }
    const { scheme, token } = credentials;
    const result = await verifyToken(token);
    if (!result.ok) {
      return refusal(
        401,
        'invalid_token',
        result.description,
        invalidTokenChallenge(result.description, scheme),
        {
          unauthorized: result.reason,
        },
      );
    }
    const jkt = boundKeyThumbprint(result.claims);
    if (jkt === null) {
      // Bound to something (an mTLS certificate...) that this API cannot check: not usable here.
      const description = 'the access token is bound to a key this API cannot check';
      return refusal(
        401,
        'invalid_token',
        description,
        invalidTokenChallenge(description, scheme),
        {
          unauthorized: 'unsupported_binding',
        },
      );
    }
    if (scheme === 'Bearer') {
      if (jkt !== undefined) {
        // Accepting it would undo the binding: whoever copied the token could use it.
        const description = 'this token is DPoP-bound: send it with the DPoP scheme and a proof';
        return refusal(
          401,
          'invalid_token',
          description,
          dpopChallenge('invalid_token', description),
          {
            unauthorized: 'dpop_bound_token_as_bearer',
          },
        );
      }
      return { ok: true, claims: result.claims, scheme, headers: {} };
    }
    if (jkt === undefined) {
      const description = 'the access token is not DPoP-bound: send it with the Bearer scheme';
      return refusal(
        401,
        'invalid_token',
        description,
        dpopChallenge('invalid_token', description),
        {
          unauthorized: 'dpop_unbound_token',
        },
      );
    }
    const proof = await verifyProof({
      proofs: req.headersDistinct['dpop'],
      method: req.method ?? 'GET',
      url: new URL(path, publicOrigin()).href,
      accessToken: token,
      jkt,
    });
    if (!proof.ok) {
      const nonce: Record<string, string> = proof.nonce ? { 'DPoP-Nonce': proof.nonce } : {};
      return refusal(
        401,
        proof.error,
        proof.description,
        dpopChallenge(proof.error, proof.description),
        {
          unauthorized: proof.reason,
        },
        nonce,
      );
    }
    return {
      ok: true,
      claims: result.claims,
      scheme,
      headers: proof.nonce ? { 'DPoP-Nonce': proof.nonce } : {},
    };
  };
}

/**
 * The token's `cnf.jkt` (RFC 9449 section 6.1); undefined for an unbound token (no `cnf`); null
 * for a `cnf` without a usable `jkt` (another kind of binding, or a malformed one).
 */
function boundKeyThumbprint(claims: AccessTokenClaims): string | undefined | null {
  const cnf = claims.payload['cnf'];
  if (cnf === undefined) {
    return undefined;
  }
  const jkt = typeof cnf === 'object' && cnf !== null ? (cnf as { jkt?: unknown }).jkt : undefined;
  return typeof jkt === 'string' && jkt !== '' ? jkt : null;
}

function refusal(
  status: 400 | 401,
  error: string,
  description: string,
  challenge: string,
  count: { readonly unauthorized: string } | 'invalid_request',
  extraHeaders: Readonly<Record<string, string>> = {},
): AuthOutcome {
  return {
    ok: false,
    status,
    body: { error, error_description: description },
    headers: { 'WWW-Authenticate': challenge, ...extraHeaders },
    count,
  };
}
