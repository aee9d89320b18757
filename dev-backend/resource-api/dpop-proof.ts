/**
 * Checks the DPoP proof of a request that presents a DPoP-bound access token (RFC 9449 sections
 * 4.3 and 7.1), with jose: exactly one `DPoP` header; a JWT of `typ` `dpop+jwt`, ES256, signed by
 * the public key in its own `jwk` header; `htm` and `htu` naming this request; fresh (`iat`
 * within a minute of the API's clock, or a nonce this API issued); `ath` the hash of the token
 * presented; a `jti` never seen before; and the key's thumbprint equal to the token's `cnf.jkt`.
 */
import { createHash } from 'node:crypto';

import { calculateJwkThumbprint, EmbeddedJWK, jwtVerify, type JWK, type JWTPayload } from 'jose';

import { createDpopNonces, NONCE_LIFETIME_SECONDS, type DpopNonces } from './dpop-nonce.ts';
import { createDpopReplayCache, type DpopReplayCache } from './dpop-replay.ts';

/** The one proof algorithm accepted (also the challenge's `algs`). */
export const DPOP_ALGORITHMS = ['ES256'] as const;

/** How far a proof's `iat` may be from the API's clock, either way, without a nonce (seconds). */
export const IAT_WINDOW_SECONDS = 60;

/** Why a proof was refused; also the keys of the API's 401 counters in /__dev/stats. */
export type DpopFailureReason =
  | 'dpop_proof_missing'
  | 'dpop_proof_repeated'
  | 'dpop_proof_malformed'
  | 'dpop_wrong_type'
  | 'dpop_alg_not_allowed'
  | 'dpop_bad_signature'
  | 'dpop_wrong_htm'
  | 'dpop_wrong_htu'
  | 'dpop_wrong_ath'
  | 'dpop_key_mismatch'
  | 'dpop_iat_out_of_window'
  | 'dpop_nonce_required'
  | 'dpop_nonce_invalid'
  | 'dpop_replayed';

/** RFC 9449 error codes: a bad proof, a proof for another key than the token's, a nonce to use. */
export type DpopError = 'invalid_dpop_proof' | 'invalid_token' | 'use_dpop_nonce';

export type DpopProofResult =
  | {
      readonly ok: true;
      /** A newer nonce for the client to use next (the `DPoP-Nonce` header), if any. */
      readonly nonce?: string;
    }
  | {
      readonly ok: false;
      readonly error: DpopError;
      readonly reason: DpopFailureReason;
      /** Fixed and quote-free: it goes into the challenge. */
      readonly description: string;
      /** With `use_dpop_nonce`: the nonce to put into the next proof. */
      readonly nonce?: string;
    };

export interface DpopRequest {
  /** Every `DPoP` header value of the request (node's `headersDistinct.dpop`). */
  readonly proofs: readonly string[] | undefined;
  /** The request's method, compared with `htm`. */
  readonly method: string;
  /** The request's public URL without query and fragment, compared with `htu`. */
  readonly url: string;
  /** The access token presented with the `DPoP` scheme, hashed into `ath`. */
  readonly accessToken: string;
  /** The token's `cnf.jkt`: the thumbprint of the key it is bound to. */
  readonly jkt: string;
}

export interface DpopVerifierOptions {
  /** Demand a nonce in every proof (`use_dpop_nonce` until there is one). Default false. */
  readonly requireNonce?: boolean;
  /** The API's clock in ms (tests move it). */
  readonly now?: () => number;
}

export type DpopVerifier = (request: DpopRequest) => Promise<DpopProofResult>;

/** Creates a verifier with its own nonces and replay records (one per API process). */
export function createDpopVerifier(options: DpopVerifierOptions = {}): DpopVerifier {
  const now = options.now ?? Date.now;
  const nonces = createDpopNonces(now);
  // A proof stays acceptable for at most the iat window on either side of now, or as long as
  // its nonce is valid; its jti is kept at least that long, plus a minute for good measure.
  const replays = createDpopReplayCache(
    Math.max(2 * IAT_WINDOW_SECONDS, NONCE_LIFETIME_SECONDS) + 60,
    now,
  );
  return (request) =>
    checkProof(request, { requireNonce: options.requireNonce ?? false, now, nonces, replays });
}

interface Context {
  readonly requireNonce: boolean;
  readonly now: () => number;
  readonly nonces: DpopNonces;
  readonly replays: DpopReplayCache;
}

const refuse = (
  error: DpopError,
  reason: DpopFailureReason,
  description: string,
  nonce?: string,
): DpopProofResult => ({ ok: false, error, reason, description, nonce });

async function checkProof(request: DpopRequest, context: Context): Promise<DpopProofResult> {
  const { proofs } = request;
  if (proofs === undefined || proofs.length === 0 || proofs[0] === '') {
    return refuse('invalid_dpop_proof', 'dpop_proof_missing', 'DPoP proof required');
  }
  if (proofs.length > 1) {
    return refuse('invalid_dpop_proof', 'dpop_proof_repeated', 'more than one DPoP header');
  }

  let payload: JWTPayload;
  let jwk: JWK;
  try {
    const verified = await jwtVerify(proofs[0] ?? '', EmbeddedJWK, {
      typ: 'dpop+jwt',
      algorithms: [...DPOP_ALGORITHMS],
      requiredClaims: ['iat', 'jti', 'htm', 'htu'],
    });
    payload = verified.payload;
    // EmbeddedJWK has already refused a header without a public key in `jwk`.
    jwk = verified.protectedHeader.jwk as JWK;
  } catch (error) {
    return classify(error);
  }
  const { jti, htm, htu, ath, nonce } = payload as Record<string, unknown>;
  if (typeof jti !== 'string' || jti === '' || typeof htm !== 'string' || typeof htu !== 'string') {
    return refuse('invalid_dpop_proof', 'dpop_proof_malformed', 'malformed DPoP proof claims');
  }

  if (htm !== request.method) {
    return refuse(
      'invalid_dpop_proof',
      'dpop_wrong_htm',
      'DPoP proof htm does not match the request method',
    );
  }
  if (!sameTarget(htu, request.url)) {
    return refuse(
      'invalid_dpop_proof',
      'dpop_wrong_htu',
      'DPoP proof htu does not match the request URL',
    );
  }
  if (ath !== accessTokenHash(request.accessToken)) {
    return refuse(
      'invalid_dpop_proof',
      'dpop_wrong_ath',
      'DPoP proof ath does not match the access token',
    );
  }
  // A proof signed by another key than the one the token is bound to: the token is not this
  // client's (RFC 9449 section 7.1 answers invalid_token for it).
  if ((await calculateJwkThumbprint(jwk, 'sha256')) !== request.jkt) {
    return refuse('invalid_token', 'dpop_key_mismatch', 'invalid DPoP key binding');
  }

  const freshness = checkFreshness(payload.iat as number, nonce, context);
  if (!freshness.ok) {
    return freshness;
  }
  if (!context.replays.firstUse(request.jkt, jti)) {
    return refuse('invalid_dpop_proof', 'dpop_replayed', 'DPoP proof replayed');
  }
  return freshness;
}

/**
 * A proof is fresh when it carries a nonce this API issued recently (whatever its `iat`, which a
 * wrong device clock makes meaningless), or, when no nonce is required, when its `iat` is within
 * the window. A proof that is not gets `use_dpop_nonce` with a nonce, so a client with a wrong
 * clock recovers with one retry (as oidc-provider does at its token endpoint).
 */
function checkFreshness(iat: number, nonce: unknown, context: Context): DpopProofResult {
  const { nonces } = context;
  if (nonce !== undefined) {
    if (typeof nonce !== 'string' || !nonces.isValid(nonce)) {
      return refuse(
        'use_dpop_nonce',
        'dpop_nonce_invalid',
        'invalid or expired DPoP nonce',
        nonces.current(),
      );
    }
    const current = nonces.current();
    // An older but still valid nonce: hand out the current one so the next proof uses it.
    return nonce === current ? { ok: true } : { ok: true, nonce: current };
  }
  if (context.requireNonce) {
    return refuse(
      'use_dpop_nonce',
      'dpop_nonce_required',
      'this API requires a nonce in DPoP proofs',
      nonces.current(),
    );
  }
  if (Math.abs(context.now() / 1000 - iat) > IAT_WINDOW_SECONDS) {
    return refuse(
      'use_dpop_nonce',
      'dpop_iat_out_of_window',
      'DPoP proof iat is not within a minute of the server time; use the nonce',
      nonces.current(),
    );
  }
  return { ok: true };
}

/**
 * `htu` names the request's URL when both are equal after URL parsing (which normalises case,
 * default ports and percent-encoding, RFC 9449 section 4.3 step 9), ignoring the query and
 * fragment of `htu` as oidc-provider does, so one client works the same at the provider and here.
 */
function sameTarget(htu: string, expected: string): boolean {
  let claimed: URL;
  try {
    claimed = new URL(htu);
  } catch {
    // Not a URL at all: no target to compare.
    return false;
  }
  claimed.search = '';
  claimed.hash = '';
  return claimed.href === new URL(expected).href;
}

/** `ath`: base64url of the SHA-256 of the access token's ASCII (RFC 9449 section 4.2). */
export function accessTokenHash(accessToken: string): string {
  return createHash('sha256').update(accessToken, 'ascii').digest('base64url');
}

/**
 * Maps an error from verifying the proof to a refusal. Verification is local (the key is in the
 * proof, nothing is fetched), so whatever fails, including WebCrypto refusing a bad `jwk`, is the
 * proof's fault.
 */
function classify(error: unknown): DpopProofResult {
  const { code, claim } = (error ?? {}) as { code?: unknown; claim?: unknown };
  switch (code) {
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return refuse(
        'invalid_dpop_proof',
        'dpop_alg_not_allowed',
        'DPoP proof must be signed with ES256',
      );
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return refuse(
        'invalid_dpop_proof',
        'dpop_bad_signature',
        'DPoP proof signature verification failed',
      );
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return claim === 'typ'
        ? refuse('invalid_dpop_proof', 'dpop_wrong_type', 'DPoP proof typ must be dpop+jwt')
        : refuse('invalid_dpop_proof', 'dpop_proof_malformed', 'malformed DPoP proof claims');
    default:
      return refuse('invalid_dpop_proof', 'dpop_proof_malformed', 'malformed DPoP proof');
  }
}
