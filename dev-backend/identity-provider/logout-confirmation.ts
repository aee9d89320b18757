/**
 * The end-session page (oidc-provider's `logoutSource`): when it may sign the user out by itself
 * and when it must ask.
 *
 * Any web page can send the browser to `/session/end`, so ending the session without a question
 * would let another site sign the user out. The page confirms by itself only when the request
 * carries an `id_token_hint` for the account signed in here: oidc-provider has already checked
 * that the hint is signed by this provider and issued to one of its clients (expiry aside, as the
 * spec allows), and only that account's own app can hold such a token. That keeps the app's
 * Sign out one click. Anything else gets a page with a button.
 */
import { randomBytes } from 'node:crypto';
import type { KoaContextWithOIDC } from 'oidc-provider';

import { logoutPage } from './views.ts';

/** Returns the `logoutSource` for the app at `appOrigin` (linked from the "stay" choice). */
export function logoutConfirmation(appOrigin: string) {
  return (ctx: KoaContextWithOIDC, form: string): void => {
    const autoConfirm = hintNamesSignedInAccount(ctx);
    // A per-response nonce lets exactly the page's own script run.
    const nonce = randomBytes(16).toString('base64');
    ctx.set(
      'Content-Security-Policy',
      `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'`,
    );
    // Not framable: a framed confirm button could be clicked through a decoy (clickjacking).
    ctx.set('X-Frame-Options', 'DENY');
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.type = 'html';
    ctx.body = logoutPage({ form, autoConfirm, nonce, appOrigin });
  };
}

/**
 * True when the request's validated `id_token_hint` names the account signed in at the provider.
 * (oidc-provider only calls `logoutSource` when an account is signed in.)
 */
export function hintNamesSignedInAccount(ctx: KoaContextWithOIDC): boolean {
  const hint = ctx.oidc.entities.IdTokenHint;
  const accountId = ctx.oidc.session?.accountId;
  return hint !== undefined && accountId !== undefined && hint.payload['sub'] === accountId;
}
