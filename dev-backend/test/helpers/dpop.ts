/**
 * DPoP for the backend tests: good proofs come from the `dpop` package (what the browser will
 * use); bad ones are forged with jose, each changing one thing of a good one.
 */
import { randomUUID } from 'node:crypto';
import { request } from 'node:http';

import { generateKeyPair, generateProof, type KeyPair } from 'dpop';
import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair as generateJoseKeyPair,
  SignJWT,
  type CryptoKey,
  type JWK,
} from 'jose';

import { accessTokenHash } from '../../resource-api/dpop-proof.ts';

export type { KeyPair } from 'dpop';

/** An ES256 key pair as the browser will hold it: the private key not extractable. */
export function newDpopKey(): Promise<KeyPair> {
  return generateKeyPair('ES256');
}

/** The key's RFC 7638 thumbprint: what a bound token carries in `cnf.jkt`. */
export async function thumbprint(key: KeyPair): Promise<string> {
  return calculateJwkThumbprint(await exportJWK(key.publicKey), 'sha256');
}

export interface ProofFor {
  readonly url: string | URL;
  readonly method?: string;
  readonly accessToken?: string;
  readonly nonce?: string;
}

/** A valid proof for one request, made by the `dpop` package. */
export function proof(
  key: KeyPair,
  { url, method = 'GET', accessToken, nonce }: ProofFor,
): Promise<string> {
  const htu = new URL(url);
  htu.search = '';
  htu.hash = '';
  return generateProof(key, htu.href, method, nonce, accessToken);
}

export interface ForgedProof {
  /** Signs with this key (and puts its public part into `jwk`); default a new ES256 key. */
  readonly key?: { readonly privateKey: CryptoKey; readonly publicKey: CryptoKey };
  readonly alg?: string;
  /** Header fields to add or override (`typ`, `jwk`...). */
  readonly header?: Readonly<Record<string, unknown>>;
  /** Claims to add or override; `undefined` removes one. */
  readonly claims?: Readonly<Record<string, unknown>>;
}

/**
 * A proof built field by field with jose: by default what the `dpop` package would make for a
 * GET of `url` with `accessToken`, then changed as `options` say.
 */
export async function forgeProof(
  url: string,
  accessToken: string | undefined,
  options: ForgedProof = {},
): Promise<string> {
  const key = options.key ?? (await newDpopKey());
  const claims: Record<string, unknown> = {
    iat: Math.floor(Date.now() / 1000),
    jti: randomUUID(),
    htm: 'GET',
    htu: url,
    ath: accessToken === undefined ? undefined : accessTokenHash(accessToken),
    ...options.claims,
  };
  for (const [name, value] of Object.entries(claims)) {
    if (value === undefined) {
      delete claims[name];
    }
  }
  const { kty, crv, x, y, n, e } = await exportJWK(key.publicKey);
  return new SignJWT(claims)
    .setProtectedHeader({
      alg: options.alg ?? 'ES256',
      typ: 'dpop+jwt',
      jwk: { kty, crv, x, y, n, e } as JWK,
      ...options.header,
    })
    .sign(key.privateKey);
}

/** A key pair whose private key can be exported, of any algorithm, to forge proofs with. */
export function extractableKey(alg: 'ES256' | 'ES384' | 'RS256' | 'Ed25519') {
  return generateJoseKeyPair(alg, { extractable: true });
}

/** The answer to a request whose headers are sent exactly as given, repeated ones included. */
export interface RawAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/**
 * GETs `url` with a header list sent line by line: fetch would merge two `DPoP` headers into
 * one, node:http keeps them apart (Host must then be given by hand).
 */
export function rawGet(url: string, headers: readonly string[]): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const req = request(target, { headers: ['host', target.host, ...headers] });
    req.on('response', (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, headers: res.headers });
    });
    req.on('error', reject);
    req.end();
  });
}
