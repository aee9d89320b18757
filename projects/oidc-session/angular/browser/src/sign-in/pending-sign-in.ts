import { ɵKeyValueStorage as KeyValueStorage } from '@oidc-session/angular';

import { PageAddress } from './oidc-client';

/**
 * Where {@link LibraryScratchStorage} keeps what angular-oauth2-oidc must carry across the trip
 * to the provider (this tab's sessionStorage): the nonce, which is also the first part of the
 * `state` the library sends, and the PKCE verifier. Here, not in the library's file, so that the
 * start-up can ask "is a sign-in of this tab under way?" without downloading the library.
 */
export const LIBRARY_STORAGE_PREFIX = 'oidc-session.login.';

/** The library's key for the nonce of the sign-in this tab started (deleted once it is used). */
export const PENDING_NONCE_KEY = LIBRARY_STORAGE_PREFIX + 'nonce';

/** angular-oauth2-oidc's default separator between its nonce and the app's part of `state`. */
export const NONCE_STATE_SEPARATOR = ';';

/**
 * Whether `state` is the one this tab sent when it left for the provider: its nonce part equals
 * the nonce the library stored then. A link anyone can craft carries no such state.
 */
export function isOwnState(state: string | null, storage: KeyValueStorage | null): boolean {
  return stateCarriesNonce(state, storage?.getItem(PENDING_NONCE_KEY) ?? null);
}

/** Whether `state`, as angular-oauth2-oidc builds it (`<nonce>;<app state>`), starts with `nonce`. */
export function stateCarriesNonce(state: string | null, nonce: string | null): boolean {
  return !!state && !!nonce && state.split(NONCE_STATE_SEPARATOR)[0] === nonce;
}

/**
 * Whether the page is the provider's answer to a sign-in this tab started: on the redirect path,
 * with `code` or `error`, and with this tab's own pending `state` (RFC 6749 4.1.2 and 4.1.2.1:
 * the provider echoes it in both). Anything else (`/dashboard?error=x`, `/?code=a&state=b` from
 * a link, an answer for another tab) is the app's own query, left alone.
 */
export function isOwnSignInAnswer(
  page: PageAddress,
  redirectPath: string,
  storage: KeyValueStorage | null,
): boolean {
  if (page.pathname !== redirectPath.split(/[?#]/)[0]) return false;
  const params = new URLSearchParams(page.search);
  if (!params.has('code') && !params.has('error')) return false;
  return isOwnState(params.get('state'), storage);
}
