import {
  type ɵAuthenticationParameters as AuthenticationParameters,
  ɵSessionState as SessionState,
} from '@oidc-session/angular';
import { ProviderMetadata } from '../provider/provider-endpoints';

export type { ProviderMetadata } from '../provider/provider-endpoints';

/** Where the page is: its path and its query (a `Location` or `URL` will do). */
export interface PageAddress {
  readonly pathname: string;
  readonly search: string;
}

/** A finished sign-in: the first token set and where the user wanted to go. */
export interface CompletedLogin {
  readonly tokens: Omit<SessionState, 'generation' | 'epoch'>;
  readonly returnPath: string;
}

/**
 * The sign-in the session layer delegates: the authorization code + PKCE redirect and the code
 * exchange. Refreshing is deliberately not here: that is the TokenRefresher's alone. The app
 * uses {@link LazyLibraryOidcClient} (angular-oauth2-oidc, loaded on demand); the testing kit
 * swaps in a scripted one.
 */
export abstract class OidcClient {
  /**
   * Leaves the app for the provider's sign-in page; `returnPath` comes back in `state`, and
   * `authentication` (a step-up's `acr_values` and `max_age`) goes into the authorization request.
   * @throws ProviderUnreachableError when the provider's metadata cannot be had (the page stays).
   */
  abstract startLogin(
    returnPath: string,
    authentication?: AuthenticationParameters,
  ): void | Promise<void>;

  /**
   * Exchanges the code in `search` (the query of the redirect back) for tokens.
   * @throws LoginError when the provider reported an error or the answer is unusable.
   */
  abstract completeLogin(search: string): Promise<CompletedLogin>;

  /**
   * Whether `page` (the current URL) is the provider's redirect back to a sign-in this tab
   * started; any other `code`, `state` or `error` in a URL belongs to the app.
   */
  abstract hasLoginResponse(page: PageAddress): boolean;
}

/** The end-session URL for RP-initiated logout, or null when the provider has none. */
export function endSessionUrl(
  metadata: ProviderMetadata | null,
  idTokenHint: string | null,
  clientId: string,
  postLogoutRedirectUri: string,
): string | null {
  const endpoint = metadata?.endSessionEndpoint;
  if (!endpoint) return null;
  const url = new URL(endpoint);
  if (idTokenHint) url.searchParams.set('id_token_hint', idTokenHint);
  url.searchParams.set('client_id', clientId);
  url.searchParams.set('post_logout_redirect_uri', postLogoutRedirectUri);
  return url.toString();
}
