/**
 * Verifies the identity provider's JWT access tokens with jose.
 *
 * Two profiles: `bundled` is strict RFC 9068 for the dev provider (typ at+jwt, RS256, keys at
 * `<issuer>/jwks`); `external` takes what real providers issue (keys from the discovery
 * document's `jwks_uri`, typ at+jwt or JWT, any asymmetric algorithm) and recognises opaque
 * tokens, which no local check can verify, so that the refusal says what to change.
 */
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';

import { discoveredJwksUri } from './discover-jwks.ts';

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
  | 'malformed'
  /** Not a JWT at all (external profile): the provider issues opaque (reference) tokens. */
  | 'opaque_token';

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

/** Which provider the tokens come from; see the file comment. */
export type AccessTokenProfile = 'bundled' | 'external';

export interface AccessTokenVerifierOptions {
  /** Expected `iss`, e.g. `http://localhost:9000`, compared exactly. */
  readonly issuer: string;
  /** Expected `aud`: the API's own origin, or OIDC_AUDIENCE for an external provider. */
  readonly audience: string;
  /**
   * Where the signing keys are published. Default: `${issuer}/jwks` (the dev provider's route)
   * for `bundled`, the discovery document's `jwks_uri` for `external`.
   */
  readonly jwksUri?: string;
  /** Default `bundled`. */
  readonly profile?: AccessTokenProfile;
}

/** Asymmetric JWS algorithms: an HMAC key would be a secret the API cannot have. */
export const ASYMMETRIC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
] as const;

/** The refusal of a token that is not a JWT; fixed and quote-free (it goes into a challenge). */
export const OPAQUE_TOKEN_DESCRIPTION =
  'opaque access token: this API validates JWT access tokens locally, ' +
  'so switch the provider to issue JWT access tokens for this API (see npm run doctor)';

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
  const external = options.profile === 'external';
  const keys = keyResolver(options);
  let opaqueLogged = false;

  return async (token) => {
    if (external) {
      const shape = tokenShape(token);
      if (shape !== 'jws') {
        // Logged once: every request of such a session fails the same way, and the counter in
        // /__dev/stats counts the rest. The token itself is never logged.
        if (!opaqueLogged) {
          opaqueLogged = true;
          console.warn(
            `resource API: refused ${shape === 'jwe' ? 'an encrypted (JWE)' : 'an opaque (non-JWT)'} ` +
              `access token from ${options.issuer}. This API validates JWT access tokens locally: ` +
              `make the provider issue JWT access tokens for audience "${options.audience}" ` +
              `(docs/providers.md, §1 item 10; npm run doctor).`,
          );
        }
        return { ok: false, reason: 'opaque_token', description: OPAQUE_TOKEN_DESCRIPTION };
      }
    }
    try {
      const { payload } = await jwtVerify(token, await keys(), {
        issuer: options.issuer,
        audience: options.audience,
        // RFC 9068 for the dev provider; real providers (Keycloak, Entra, …) also use typ JWT.
        typ: external ? acceptedType(token) : 'at+jwt',
        // Pinning the algorithms rules out "none" and HS256 signed with the public key.
        algorithms: external ? [...ASYMMETRIC_ALGORITHMS] : ['RS256'],
        requiredClaims: ['exp', 'sub'],
      });
      if (typeof payload.sub !== 'string' || payload.sub === '') {
        return { ok: false, reason: 'invalid_claim', description: 'invalid sub claim' };
      }
      // With typ JWT accepted, an ID token whose aud happens to equal the audience (FusionAuth
      // puts the client id in both) would pass; ID tokens from the code flow carry a nonce.
      if (external && payload['nonce'] !== undefined) {
        return { ok: false, reason: 'wrong_type', description: 'an ID token, not an access token' };
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

/** The key set to verify with, resolved on first use (external: via discovery). */
function keyResolver(
  options: AccessTokenVerifierOptions,
): () => Promise<ReturnType<typeof createRemoteJWKSet>> {
  if (options.jwksUri || options.profile !== 'external') {
    const keySet = keySetFor(options.jwksUri ?? `${options.issuer}/jwks`);
    return async () => keySet;
  }
  return async () => {
    try {
      return keySetFor(await discoveredJwksUri(options.issuer));
    } catch (error) {
      // The provider is down or its discovery document is unusable: not the token's fault.
      throw new JwksUnavailableError(
        `could not find the identity provider's signing keys (${(error as Error).message})`,
        { cause: error },
      );
    }
  };
}

/** `jws`: three dot-separated parts with a JSON header; `jwe`: five parts; else `opaque`. */
function tokenShape(token: string): 'jws' | 'jwe' | 'opaque' {
  const parts = token.split('.').length;
  if (parts === 5) {
    return 'jwe';
  }
  if (parts !== 3) {
    return 'opaque';
  }
  try {
    decodeProtectedHeader(token);
    return 'jws';
  } catch {
    // Three parts but no JSON header: not a JWT, whatever the dots say.
    return 'opaque';
  }
}

/**
 * The `typ` to require: the token's own when it is one of the accepted ones (at+jwt, JWT, with
 * or without `application/`), else `at+jwt`, so that jose refuses it as wrong_type.
 */
function acceptedType(token: string): string {
  const typ = decodeProtectedHeader(token).typ;
  const normalised = typ?.toLowerCase().replace(/^application\//, '');
  return typ !== undefined && (normalised === 'at+jwt' || normalised === 'jwt') ? typ : 'at+jwt';
}

/** Maps a jose error to a refusal; rethrows what says nothing about the token (JWKS trouble). */
function classify(error: unknown): { reason: AccessTokenFailureReason; description: string } {
  if (error instanceof JwksUnavailableError) {
    throw error;
  }
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
