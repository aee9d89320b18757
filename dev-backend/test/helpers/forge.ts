/**
 * Hand-made access tokens for the API's refusal matrix. Each starts from a token the API accepts
 * (signed with the provider's own key) and changes exactly one thing.
 */
import { randomBytes } from 'node:crypto';
import {
  exportJWK,
  exportSPKI,
  generateKeyPair,
  importJWK,
  SignJWT,
  type CryptoKey,
  type JWK,
  type JWTPayload,
} from 'jose';

import type { TestStack } from './stack.ts';

export interface ForgeOptions {
  /** Claims to add or override; `undefined` values remove a claim. */
  readonly claims?: Readonly<Record<string, unknown>>;
  /** Protected header fields to add or override. */
  readonly header?: Readonly<Record<string, unknown>>;
  /** Sign with this private JWK instead of the provider's key. */
  readonly key?: JWK;
}

/** A token like the provider's own: RS256, typ at+jwt, the provider's kid, for the API. */
export async function forgeAccessToken(
  stack: TestStack,
  options: ForgeOptions = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const payload: Record<string, unknown> = {
    iss: stack.idp.issuer,
    aud: stack.api.url,
    sub: 'alice',
    name: 'Alice Liddell',
    client_id: 'demo-spa',
    scope: 'api',
    jti: randomBytes(16).toString('base64url'),
    iat: now,
    exp: now + 60,
    ...options.claims,
  };
  for (const [name, value] of Object.entries(payload)) {
    if (value === undefined) {
      delete payload[name];
    }
  }
  const signingKey = options.key ?? stack.signingKey;
  return new SignJWT(payload as JWTPayload)
    .setProtectedHeader({
      alg: 'RS256',
      typ: 'at+jwt',
      kid: stack.signingKey.kid,
      ...options.header,
    })
    .sign(await importJWK(signingKey, 'RS256'));
}

/** An unsigned token (`alg: none`) with otherwise valid contents. */
export async function forgeUnsignedToken(stack: TestStack): Promise<string> {
  const valid = await forgeAccessToken(stack);
  const [, payload] = valid.split('.');
  const header = Buffer.from(
    JSON.stringify({ alg: 'none', typ: 'at+jwt', kid: stack.signingKey.kid }),
  ).toString('base64url');
  return `${header}.${payload}.`;
}

/**
 * The classic algorithm confusion attack: HS256 "signed" with the provider's public key (as
 * published at /jwks) used as the HMAC secret.
 */
export async function forgeHs256WithPublicKey(stack: TestStack): Promise<string> {
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = stack.signingKey;
  const publicKey = await importJWK({ ...publicJwk, alg: 'RS256' }, 'RS256', { extractable: true });
  const secret = new TextEncoder().encode(await exportSPKI(publicKey as CryptoKey));
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    iss: stack.idp.issuer,
    aud: stack.api.url,
    sub: 'alice',
    iat: now,
    exp: now + 60,
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: stack.signingKey.kid })
    .sign(secret);
}

/** A private JWK of a key the provider never published. */
export async function foreignKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  return exportJWK(privateKey);
}
