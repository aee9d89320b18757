/**
 * The identity provider's token signing key.
 */
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';

/**
 * Generates a fresh RS256 private JWK with a thumbprint `kid`.
 *
 * One key per process on purpose: nothing signed by a previous run can verify after a restart,
 * which matches the in-memory sessions and grants that a restart also forgets.
 */
export async function generateSigningKey(): Promise<JWK> {
  // extractable: the key is handed to oidc-provider as a JWK, so it has to be exportable.
  const { privateKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid: await calculateJwkThumbprint(jwk), alg: 'RS256', use: 'sig' };
}
