import { AuthConfig } from './auth-config';
import { TokenSet } from './session';

/** The provider endpoints the session layer uses, from its discovery document. */
export interface ProviderMetadata {
  readonly issuer: string;
  readonly tokenEndpoint: string;
  readonly revocationEndpoint: string | null;
  readonly endSessionEndpoint: string | null;
  /** RFC 9207: the provider names itself (`iss`) in its redirect back, which must then match. */
  readonly authorizationResponseIssParameterSupported?: boolean;
}

/** A finished sign-in: the first token set and where the user wanted to go. */
export interface CompletedLogin {
  readonly tokens: Omit<TokenSet, 'generation' | 'epoch'>;
  readonly returnPath: string;
}

/**
 * The OpenID Connect protocol work the session layer delegates: discovery, the authorization
 * code + PKCE redirect and the code exchange. Refreshing is deliberately not here: that is the
 * TokenRefresher's alone. The app uses {@link LibraryOidcClient} (angular-oauth2-oidc); the
 * testing kit swaps in a scripted one.
 */
export abstract class OidcClient {
  /** Endpoints from discovery, once {@link discover} has succeeded. */
  abstract readonly metadata: ProviderMetadata | null;

  /**
   * Loads and checks the discovery document.
   * @throws ProviderUnreachableError when the provider does not answer, AuthConfigError when
   * its answer does not fit the configuration.
   */
  abstract discover(config: AuthConfig): Promise<ProviderMetadata>;

  /** Leaves the app for the provider's sign-in page; `returnPath` comes back in `state`. */
  abstract startLogin(returnPath: string): void;

  /** Whether the current URL is the provider's redirect back to the app. */
  abstract hasLoginResponse(search: string): boolean;

  /**
   * Exchanges the code in `search` (the query of the redirect back) for tokens.
   * @throws LoginError when the provider reported an error or the answer is unusable.
   */
  abstract completeLogin(search: string): Promise<CompletedLogin>;

  /** The end-session URL for RP-initiated logout, or null when the provider has none. */
  endSessionUrl(
    idTokenHint: string | null,
    clientId: string,
    postLogoutRedirectUri: string,
  ): string | null {
    const endpoint = this.metadata?.endSessionEndpoint;
    if (!endpoint) return null;
    const url = new URL(endpoint);
    if (idTokenHint) url.searchParams.set('id_token_hint', idTokenHint);
    url.searchParams.set('client_id', clientId);
    url.searchParams.set('post_logout_redirect_uri', postLogoutRedirectUri);
    return url.toString();
  }
}
