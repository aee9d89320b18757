/**
 * Verifies the identity provider's JWT access tokens (RFC 9068) with jose.
 */
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';

/** Why a token was refused; also the keys of the API's 401 counters in /__dev/stats. */
export type AccessTokenFailureReason =
  | 'expired'
  | 'not_yet_valid'
  | 'bad_signature'
  | 'unknown_key'
  | 'alg_not_allowed'
  | 'wrong_audience'
  | 'wrong_issuer'
  | 'wrong_type'
  | 'missing_claim'
  | 'invalid_claim'
  | 'malformed';

/** The claims the API uses from a valid token. */
export interface AccessTokenClaims {
  readonly sub: string;
  readonly name?: string;
  readonly scope?: string;
  readonly payload: JWTPayload;
}

export type AccessTokenVerification =
  | { readonly ok: true; readonly claims: AccessTokenClaims }
  | { readonly ok: false; readonly reason: AccessTokenFailureReason; readonly description: string };

/**
 * The provider's keys could not be fetched: a server-side problem, not a bad token, so the API
 * answers 503 rather than telling the client to sign in again.
 */
export class JwksUnavailableError extends Error {
  override readonly name = 'JwksUnavailableError';
}

export interface AccessTokenVerifierOptions {
  /** Expected `iss`, e.g. `http://localhost:9000`. */
  readonly issuer: string;
  /** Expected `aud`: the API's own origin. */
  readonly audience: string;
  /** Where the signing keys are published; default `${issuer}/jwks` (oidc-provider's route). */
  readonly jwksUri?: string;
}

export type AccessTokenVerifier = (token: string) => Promise<AccessTokenVerification>;

// One remote key set per JWKS URI for the whole process: it caches the keys and refetches only
// for an unknown kid (at most every 30 s, jose's cooldown), however many verifiers are created.
const keySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

function keySetFor(jwksUri: string): ReturnType<typeof createRemoteJWKSet> {
  let keySet = keySets.get(jwksUri);
  if (!keySet) {
    keySet = createRemoteJWKSet(new URL(jwksUri));
    keySets.set(jwksUri, keySet);
  }
  return keySet;
}

/** Creates a verifier bound to one issuer and audience. */
export function createAccessTokenVerifier(
  options: AccessTokenVerifierOptions,
): AccessTokenVerifier {
  const keySet = keySetFor(options.jwksUri ?? `${options.issuer}/jwks`);

  return async (token) => {
    try {
      const { payload } = await jwtVerify(token, keySet, {
        issuer: options.issuer,
        audience: options.audience,
        // RFC 9068 access tokens only: an ID token (typ JWT, aud = client) must not pass.
        typ: 'at+jwt',
        // Pinning the algorithm rules out "none" and HS256 signed with the public key.
        algorithms: ['RS256'],
        requiredClaims: ['exp', 'sub'],
      });
      if (typeof payload.sub !== 'string' || payload.sub === '') {
        return { ok: false, reason: 'invalid_claim', description: 'invalid sub claim' };
      }
      return {
        ok: true,
        claims: {
          sub: payload.sub,
          name: typeof payload['name'] === 'string' ? payload['name'] : undefined,
          scope: typeof payload['scope'] === 'string' ? payload['scope'] : undefined,
          payload,
        },
      };
    } catch (error) {
      return { ok: false, ...classify(error) };
    }
  };
}

/** Maps a jose error to a refusal; rethrows what says nothing about the token (JWKS trouble). */
function classify(error: unknown): { reason: AccessTokenFailureReason; description: string } {
  const code = (error as { code?: unknown } | null)?.code;
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return { reason: 'expired', description: 'the access token expired' };
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return { reason: 'bad_signature', description: 'signature verification failed' };
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return { reason: 'unknown_key', description: 'no matching signing key' };
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return { reason: 'alg_not_allowed', description: 'signing algorithm not accepted' };
    case 'ERR_JWS_INVALID':
    case 'ERR_JWT_INVALID':
    case 'ERR_JWK_INVALID':
      return { reason: 'malformed', description: 'malformed access token' };
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return classifyClaim(error as { claim?: string; reason?: string });
    default:
      // ERR_JWKS_TIMEOUT, ERR_JWKS_INVALID, or fetch failing because the provider is down.
      throw new JwksUnavailableError('could not load the identity provider signing keys', {
        cause: error,
      });
  }
}

function classifyClaim({ claim, reason }: { claim?: string; reason?: string }) {
  if (reason === 'missing') {
    return { reason: 'missing_claim' as const, description: `missing ${claim} claim` };
  }
  switch (claim) {
    case 'aud':
      return { reason: 'wrong_audience' as const, description: 'token is not for this API' };
    case 'iss':
      return { reason: 'wrong_issuer' as const, description: 'unexpected issuer' };
    case 'typ':
      return { reason: 'wrong_type' as const, description: 'not an access token' };
    case 'nbf':
      return { reason: 'not_yet_valid' as const, description: 'token not yet valid' };
    default:
      return { reason: 'invalid_claim' as const, description: `invalid ${claim} claim` };
  }
}
