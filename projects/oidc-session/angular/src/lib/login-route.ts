import { InjectionToken } from '@angular/core';
import { Router, UrlTree } from '@angular/router';

/** The app's sign-in route; guards and the session-end navigation send users there. */
export const LOGIN_ROUTE = new InjectionToken<string>('LOGIN_ROUTE', {
  providedIn: 'root',
  factory: () => '/login',
});

/** `/login?returnUrl=<path>`: the user comes back to `returnUrl` after signing in. */
export function loginUrlTree(router: Router, loginRoute: string, returnUrl: string): UrlTree {
  return router.createUrlTree([loginRoute], { queryParams: { returnUrl } });
}
