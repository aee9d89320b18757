/**
 * How the BFF authenticates at the provider's token and revocation endpoints (RFC 6749 §2.3.1,
 * OpenID Connect Core §9): `client_secret_basic` (the id and secret form-encoded, then in an HTTP
 * Basic header) or `client_secret_post` (both in the form body).
 *
 * OIDC_CLIENT_AUTH chooses; without it the method comes from discovery's
 * `token_endpoint_auth_methods_supported`, and only when that leaves no doubt: one of the two
 * offered is used; both offered, or the list absent, means `client_secret_basic` (the default of
 * RFC 6749 and of OpenID Connect Discovery). A provider that offers neither cannot take a secret:
 * that is a configuration error naming the variable, not a guess.
 */
import * as client from 'openid-client';

import { ConfigError } from './errors.ts';

export const CLIENT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post'] as const;
export type ClientAuthMethod = (typeof CLIENT_AUTH_METHODS)[number];

export function isClientAuthMethod(value: string): value is ClientAuthMethod {
  return (CLIENT_AUTH_METHODS as readonly string[]).includes(value);
}

/** The method to use: the configured one, else what discovery leaves no doubt about. */
export function chooseClientAuth(
  configured: ClientAuthMethod | undefined,
  supported: unknown,
): { method: ClientAuthMethod; from: 'OIDC_CLIENT_AUTH' | 'discovery' | 'default' } {
  if (configured) return { method: configured, from: 'OIDC_CLIENT_AUTH' };
  if (!Array.isArray(supported)) return { method: 'client_secret_basic', from: 'default' };
  const offered = CLIENT_AUTH_METHODS.filter((method) => supported.includes(method));
  if (offered.length === 1) return { method: offered[0]!, from: 'discovery' };
  if (offered.length === 2) return { method: 'client_secret_basic', from: 'default' };
  throw new ConfigError(
    `the provider's token_endpoint_auth_methods_supported is [${supported.join(', ')}], ` +
      'without client_secret_basic or client_secret_post: the BFF authenticates with a client ' +
      'secret, so register the client with one of them and set OIDC_CLIENT_AUTH to it',
  );
}

/** openid-client's implementation of the method. */
export function clientAuthentication(method: ClientAuthMethod, secret: string): client.ClientAuth {
  return method === 'client_secret_post'
    ? client.ClientSecretPost(secret)
    : client.ClientSecretBasic(secret);
}
