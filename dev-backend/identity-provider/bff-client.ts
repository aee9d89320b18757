/**
 * The dev provider's confidential client for the backend-for-frontend (`bff/`): code + PKCE with
 * a client secret, rotating refresh tokens like `demo-spa`, and OpenID Connect Back-Channel Logout
 * so that ending the provider session ends the BFF's sessions too.
 */
import type { ClientMetadata, Configuration } from 'oidc-provider';

import type { ProviderQuirks } from './provider-quirks.ts';

/** The BFF's client id. */
export const BFF_CLIENT_ID = 'demo-bff';

/** Paths on the app origin that the BFF serves (bff/routes.ts). */
export const BFF_CALLBACK_PATH = '/bff/callback';
export const BFF_BACKCHANNEL_LOGOUT_PATH = '/bff/backchannel-logout';

/** Dev default; set BFF_CLIENT_SECRET (and the BFF's OIDC_CLIENT_SECRET) to the same value to change it. */
export const DEV_BFF_CLIENT_SECRET = 'dev-bff-secret-not-for-production';

/** The BFF's client metadata: the BFF serves the app at the app origin. */
export function bffClient(
  appOrigin: string,
  secret = process.env['BFF_CLIENT_SECRET'] || DEV_BFF_CLIENT_SECRET,
  quirks: ProviderQuirks = {},
): ClientMetadata {
  return {
    client_id: quirks.bffClientId ?? BFF_CLIENT_ID,
    client_secret: secret,
    client_name: 'Demo BFF',
    application_type: 'web',
    // A server keeps its secret: a confidential client, with PKCE on top.
    token_endpoint_auth_method: quirks.clientSecretMethod ?? 'client_secret_basic',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: [`${appOrigin}${BFF_CALLBACK_PATH}`],
    post_logout_redirect_uris: [`${appOrigin}/`],
    backchannel_logout_uri: `${appOrigin}${BFF_BACKCHANNEL_LOGOUT_PATH}`,
    // Puts `sid` into ID tokens and logout tokens, so one provider session ends exactly its BFF sessions.
    backchannel_logout_session_required: true,
  };
}

/** Adds the BFF's client and turns on back-channel logout (the hook in configuration.ts). */
export function withBffClient(
  configuration: Configuration,
  appOrigin: string,
  quirks: ProviderQuirks = {},
): Configuration {
  const fetchImpl = configuration.fetch ?? ((url, options) => globalThis.fetch(url, options));
  return {
    ...configuration,
    clients: [...(configuration.clients ?? []), bffClient(appOrigin, undefined, quirks)],
    features: { ...configuration.features, backchannelLogout: { enabled: true } },
    // oidc-provider refuses outgoing requests to loopback and other special-use addresses (SSRF
    // protection, through its own dispatcher). The dev BFF's back-channel logout URI is on
    // localhost, so requests to loopback hosts skip that dispatcher; everything else keeps it.
    fetch: (url, options) => {
      const { hostname } = new URL(url);
      const loopback = hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]';
      return fetchImpl(url, loopback ? { ...options, dispatcher: undefined } : options);
    },
  };
}
