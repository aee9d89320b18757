import { DestroyRef, Injectable, inject } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { ActivatedRouteSnapshot, Router } from '@angular/router';
import { filter } from 'rxjs';

import { authGuard } from './auth-guard';
import { AuthConfigStore } from './core/config/auth-config-store';
import { AuthEvent, AuthEventLog } from './core/auth-events';
import { LOGIN_ROUTE, loginUrlTree } from './login-route';

/**
 * Moves a tab off a guarded page when its session ends while the page is open: to the login
 * page with a `returnUrl` when the session expired, to the post-logout page when the user
 * signed out in another tab. Public pages stay where they are.
 */
@Injectable({ providedIn: 'root' })
export class SessionEndNavigation {
  private readonly router = inject(Router);
  private readonly events = inject(AuthEventLog);
  private readonly config = inject(AuthConfigStore);
  private readonly loginRoute = inject(LOGIN_ROUTE);
  private readonly destroyRef = inject(DestroyRef);
  private watching = false;

  watch(): void {
    if (this.watching) return;
    this.watching = true;
    this.events.events$
      .pipe(
        filter(
          (event): event is Extract<AuthEvent, { type: 'signed-out' }> =>
            event.type === 'signed-out',
        ),
        takeUntilDestroyed(this.destroyRef),
      )
      .subscribe((event) => this.onSignedOut(event));
  }

  private onSignedOut(event: Extract<AuthEvent, { type: 'signed-out' }>): void {
    // Signing out here leaves the page for the provider's end-session endpoint by itself.
    if (event.where === 'here' && event.reason === 'logout') return;
    // A navigation under way is being decided by a guard, which redirects on its own; a
    // second navigation here would make two.
    if (this.router.currentNavigation()) return;
    if (!isGuarded(this.router.routerState.snapshot.root)) return;
    const target =
      event.reason === 'expired'
        ? loginUrlTree(this.router, this.loginRoute, this.router.url)
        : this.router.parseUrl(this.config.current.postLogoutPath);
    void this.router.navigateByUrl(target);
  }
}

function isGuarded(route: ActivatedRouteSnapshot): boolean {
  const guards = [
    ...(route.routeConfig?.canActivate ?? []),
    ...(route.routeConfig?.canActivateChild ?? []),
  ];
  return guards.includes(authGuard) || route.children.some(isGuarded);
}
