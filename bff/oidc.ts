/**
 * The BFF as an OpenID Connect confidential client, on openid-client 6: discovery, the
 * authorization request (PKCE S256, state, nonce), the code exchange with ID token validation,
 * refresh, revocation and the end-session URL. This module also sorts the provider's failures
 * into the three kinds the refresh path needs (see errors.ts).
 */
import * as client from 'openid-client';

import { chooseClientAuth, clientAuthentication, type ClientAuthMethod } from './client-auth.ts';
import { isLoopbackHost } from './config.ts';
import {
  ProviderRejectedError,
  ProviderUnavailableError,
  RefreshOutcomeUnknownError,
} from './errors.ts';
import type { PromptRequest, StepUpRequest } from './session-store/types.ts';

export interface OidcSettings {
  readonly issuer: URL;
  readonly clientId: string;
  readonly clientSecret: string;
  /** OIDC_CLIENT_AUTH; undefined: from discovery when unambiguous (see client-auth.ts). */
  readonly clientAuth?: ClientAuthMethod;
  readonly scope: string;
  readonly redirectUri: string;
  readonly postLogoutRedirectUri: string;
  readonly timeoutSeconds: number;
}

/** What a code exchange or a refresh yields. */
export interface ProviderTokens {
  readonly accessToken: string;
  /** Seconds. */
  readonly expiresIn: number;
  readonly refreshToken?: string;
  readonly idToken?: string;
  /** Validated ID token claims, when an ID token came with the response. */
  readonly claims?: Readonly<Record<string, unknown>>;
}

export interface AuthorizationStart {
  readonly url: URL;
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
}

export interface OidcClient {
  /**
   * With `stepUp`, the request carries `acr_values` and `max_age` (RFC 9470, OIDC Core 3.1.2.1);
   * with `prompt`, `prompt=none` (the provider must not show anything: prompt-none.ts).
   */
  startAuthorization(stepUp?: StepUpRequest, prompt?: PromptRequest): Promise<AuthorizationStart>;
  /**
   * Validates the callback (state, code, PKCE, ID token and nonce) and exchanges the code. With a
   * `stepUp.maxAge`, the ID token's `auth_time` must be present and that recent.
   */
  finishAuthorization(
    callbackUrl: URL,
    expected: Omit<AuthorizationStart, 'url'> & { readonly stepUp?: StepUpRequest },
  ): Promise<ProviderTokens & { claims: Record<string, unknown> }>;
  /**
   * Throws ProviderRejectedError (definitive), ProviderUnavailableError (not processed: the
   * token is still good) or RefreshOutcomeUnknownError (it may have been rotated).
   */
  refresh(refreshToken: string, expectedSub: string): Promise<ProviderTokens>;
  /**
   * Best effort (RFC 7009). `no_endpoint`: the provider has no revocation endpoint, so nothing
   * was sent and the refresh token stays valid at the provider until it expires.
   */
  revoke(refreshToken: string): Promise<'revoked' | 'no_endpoint'>;
  /** The provider's end-session URL, or undefined when it has none. */
  endSessionUrl(idTokenHint: string | undefined): Promise<string | undefined>;
  /** The issuer identifier and JWKS URI, for verifying back-channel logout tokens. */
  metadata(): Promise<{ issuer: string; jwksUri: string | undefined }>;
}

/** Creates the client; discovery happens on first use and is retried after a failure. */
export function createOidcClient(settings: OidcSettings): OidcClient {
  let discovered: Promise<client.Configuration> | undefined;
  // The method is known only once discovery has answered (client-auth.ts), so openid-client gets
  // a ClientAuth that hands over to it.
  let authenticate: client.ClientAuth | undefined;
  const deferredAuth: client.ClientAuth = (...args) => {
    if (!authenticate) throw new Error('client authentication used before discovery');
    return authenticate(...args);
  };

  function configuration(): Promise<client.Configuration> {
    discovered ??= client
      .discovery(settings.issuer, settings.clientId, undefined, deferredAuth, {
        timeout: settings.timeoutSeconds,
        // openid-client refuses plain http; the dev provider on loopback is the one exception.
        execute: isLoopbackHost(settings.issuer.hostname) ? [client.allowInsecureRequests] : [],
      })
      .catch((error: unknown) => {
        // Forget the failure so the next request tries again (the provider may come up later).
        discovered = undefined;
        throw new ProviderUnavailableError({ cause: error });
      })
      .then((config) => {
        const { method } = chooseClientAuth(
          settings.clientAuth,
          config.serverMetadata().token_endpoint_auth_methods_supported,
        );
        authenticate = clientAuthentication(method, settings.clientSecret);
        return config;
      })
      .catch((error: unknown) => {
        // A ConfigError (no usable method) stays one; the next request reads discovery again.
        discovered = undefined;
        throw error;
      });
    return discovered;
  }

  return {
    async startAuthorization(stepUp = {}, prompt) {
      const config = await configuration();
      const codeVerifier = client.randomPKCECodeVerifier();
      const state = client.randomState();
      const nonce = client.randomNonce();
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: settings.redirectUri,
        scope: settings.scope,
        code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
        state,
        nonce,
        ...(stepUp.acrValues === undefined ? {} : { acr_values: stepUp.acrValues }),
        ...(stepUp.maxAge === undefined ? {} : { max_age: String(stepUp.maxAge) }),
        ...(prompt === undefined ? {} : { prompt }),
      });
      return { url, state, nonce, codeVerifier };
    },

    async finishAuthorization(callbackUrl, expected) {
      const config = await configuration();
      const response = await client.authorizationCodeGrant(config, callbackUrl, {
        pkceCodeVerifier: expected.codeVerifier,
        expectedState: expected.state,
        expectedNonce: expected.nonce,
        idTokenExpected: true,
        // OIDC Core 3.1.2.1: a request with max_age must check auth_time.
        ...(expected.stepUp?.maxAge === undefined ? {} : { maxAge: expected.stepUp.maxAge }),
      });
      const claims = response.claims();
      if (!claims) throw new ProviderRejectedError('the code exchange returned no ID token');
      return { ...tokensOf(response), claims: { ...claims } };
    },

    async refresh(refreshToken, expectedSub) {
      const config = await configuration();
      let response: Awaited<ReturnType<typeof client.refreshTokenGrant>>;
      try {
        response = await client.refreshTokenGrant(config, refreshToken);
      } catch (error) {
        throw classifyTokenError(error);
      }
      const tokens = tokensOf(response);
      // A refreshed ID token must be about the same user (OpenID Connect Core 12.2).
      if (tokens.claims && tokens.claims['sub'] !== expectedSub) {
        throw new ProviderRejectedError('the refreshed ID token is for another subject');
      }
      return tokens;
    },

    async revoke(refreshToken) {
      const config = await configuration();
      if (!config.serverMetadata().revocation_endpoint) return 'no_endpoint';
      await client.tokenRevocation(config, refreshToken, { token_type_hint: 'refresh_token' });
      return 'revoked';
    },

    async endSessionUrl(idTokenHint) {
      const config = await configuration();
      if (!config.serverMetadata().end_session_endpoint) return undefined;
      const parameters: Record<string, string> = {
        post_logout_redirect_uri: settings.postLogoutRedirectUri,
        client_id: settings.clientId,
      };
      if (idTokenHint) parameters['id_token_hint'] = idTokenHint;
      return client.buildEndSessionUrl(config, parameters).href;
    },

    async metadata() {
      const metadata = (await configuration()).serverMetadata();
      return { issuer: metadata.issuer, jwksUri: metadata.jwks_uri };
    },
  };
}

function tokensOf(
  response: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers,
): ProviderTokens {
  const expiresIn = response.expiresIn();
  if (!response.access_token || expiresIn === undefined || expiresIn <= 0) {
    throw new ProviderRejectedError(
      'the token response has no access token or no positive expires_in',
    );
  }
  const claims = response.claims();
  return {
    accessToken: response.access_token,
    expiresIn,
    ...(response.refresh_token ? { refreshToken: response.refresh_token } : {}),
    ...(response.id_token ? { idToken: response.id_token } : {}),
    ...(claims ? { claims: { ...claims } } : {}),
  };
}

/** Connection errors that prove the request never reached the provider. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** Sorts a token endpoint failure into definitive, not processed, or unknown outcome. */
export function classifyTokenError(error: unknown): Error {
  if (error instanceof client.ResponseBodyError) {
    return isTransientStatus(error.status)
      ? new ProviderUnavailableError({ cause: error })
      : new ProviderRejectedError(`the provider refused the refresh: ${error.error}`, {
          cause: error,
        });
  }
  if (error instanceof client.ClientError && error.cause instanceof Response) {
    // A status without an OAuth error body (an HTML 503 from a proxy, for instance).
    return isTransientStatus(error.cause.status)
      ? new ProviderUnavailableError({ cause: error })
      : new ProviderRejectedError(`unexpected status ${error.cause.status}`, { cause: error });
  }
  const code = (error as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  if (error instanceof TypeError && typeof code === 'string' && NOT_SENT.has(code)) {
    return new ProviderUnavailableError({ cause: error });
  }
  if (error instanceof client.ClientError && !isNetworkFailure(error)) {
    // The provider answered 200 with something unusable (bad ID token, missing fields).
    return new ProviderRejectedError(`unusable token response: ${error.message}`, { cause: error });
  }
  return new RefreshOutcomeUnknownError('the token request got no answer', { cause: error });
}

function isTransientStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

function isNetworkFailure(error: Error): boolean {
  const cause = error.cause;
  return (
    cause instanceof TypeError ||
    (cause instanceof DOMException && /Abort|Timeout/.test(cause.name))
  );
}
