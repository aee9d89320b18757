import { isPlatformServer } from '@angular/common';
import { inject, PLATFORM_ID } from '@angular/core';
import { CanActivateFn, Router } from '@angular/router';
import { catchError, from, map, of, switchMap } from 'rxjs';

import { ProviderUnreachableError } from './core/auth-errors';
import { ServerPageHold } from './core/server/server-page-hold';
import { ServerPagePolicy } from './core/server/server-page-policy';
import { RENDER_SESSION } from './core/server/render-session';
import { SessionReady } from './core/session-ready';
import { LOGIN_ROUTE, loginUrlTree } from './login-route';
import { TokenRefresher } from './core/token-refresher';

/**
 * Lets a signed-in user through, refreshing an expired access token first (joining any refresh
 * already under way), and otherwise returns a UrlTree to `/login?returnUrl=<target>`.
 *
 * On a transient failure (the provider is down while the access token is stale) the user is
 * let through: the session is still good, a login page could not work either, and the page's
 * own requests report the outage and recover by themselves when the provider is back.
 *
 * On the server the answer is private to whoever asked. Where the render knows the session (bff
 * mode: the BFF found it from the page request's cookie), it decides as here, without a refresh
 * (the host's API path refreshes as it sends): the page, or a redirect to the login page that the
 * server answers before any HTML. Where it does not, it neither shows the page nor redirects: the
 * navigation completes, `AuthService.pageHeldForBrowser` turns true (the app's shell leaves the
 * page out), and the browser, which holds the session, runs this guard again and decides.
 */
export const authGuard: CanActivateFn = (_route, state) => {
  const router = inject(Router);
  const loginTree = loginUrlTree(router, inject(LOGIN_ROUTE), state.url);
  if (isPlatformServer(inject(PLATFORM_ID))) {
    inject(ServerPagePolicy).markPrivate();
    const server = inject(RENDER_SESSION);
    if (server?.known()) return server.signedIn ? true : loginTree;
    inject(ServerPageHold).hold();
    return true;
  }
  const session = inject(SessionReady);
  const refresher = inject(TokenRefresher);
  return from(session.ready).pipe(
    switchMap(() => refresher.freshTokens('guard')),
    map((tokens) => (tokens ? true : loginTree)),
    catchError((error: unknown) =>
      of(error instanceof ProviderUnreachableError ? true : loginTree),
    ),
  );
};
