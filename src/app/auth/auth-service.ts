import { HttpErrorResponse } from '@angular/common/http';
import { Injectable, Signal, inject } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import {
  Observable,
  TimeoutError,
  distinctUntilChanged,
  firstValueFrom,
  from,
  map,
  shareReplay,
  switchMap,
  throwError,
} from 'rxjs';

import { AuthConfig } from './auth-config';
import { AuthConfigStore } from './auth-config-store';
import { LoginError, SessionExpiredError } from './auth-errors';
import { AuthEvent, AuthEventLog } from './auth-events';
import { AuthStartup } from './auth-startup';
import { OidcClient } from './oidc-client';
import { PAGE_NAVIGATION } from './page-navigation';
import { safeReturnPath } from './return-url';
import { Session, toSession } from './session';
import { SessionSharing } from './session-sharing';
import { SessionStore } from './session-store';
import { TokenEndpoint } from './token-endpoint';
import { TokenRefresher } from './token-refresher';

/**
 * The session, for the rest of the app: who is signed in, a fresh access token on demand,
 * sign-in and sign-out. The session is the same in every tab of the app.
 */
@Injectable({ providedIn: 'root' })
export class AuthService {
  private readonly store = inject(SessionStore);
  private readonly refresher = inject(TokenRefresher);
  private readonly sharing = inject(SessionSharing);
  private readonly startup = inject(AuthStartup);
  private readonly endpoint = inject(TokenEndpoint);
  private readonly oidc = inject(OidcClient);
  private readonly configStore = inject(AuthConfigStore);
  private readonly log = inject(AuthEventLog);
  private readonly navigate = inject(PAGE_NAVIGATION);

  /** The current session or null; replays the latest value and emits only when it changes. */
  readonly session$: Observable<Session | null> = this.store.tokens$.pipe(
    map((tokens) => (tokens ? toSession(tokens) : null)),
    distinctUntilChanged(
      (a, b) => a?.accessToken === b?.accessToken && a?.hasRefreshToken === b?.hasRefreshToken,
    ),
    shareReplay({ bufferSize: 1, refCount: false }),
  );

  /** Signal mirror of {@link session$} for templates. */
  readonly session: Signal<Session | null> = toSignal(this.session$, { requireSync: true });

  /** What the session does (refreshes, retries, adoption, sign-out), with timestamps; never tokens. */
  readonly events$: Observable<AuthEvent> = this.log.events$;

  /** The most recent events, oldest first, for the session panel. */
  readonly recentEvents: Signal<readonly AuthEvent[]> = this.log.recent;

  /** Why the last sign-in redirect failed, if it did. */
  readonly loginError: Signal<LoginError | null> = this.startup.loginError.asReadonly();

  /** Resolves once start-up knows the session (restored, adopted from a tab, or none). */
  readonly ready: Promise<void> = this.startup.ready;

  /** The validated runtime configuration (available once start-up has run). */
  get config(): AuthConfig {
    return this.configStore.current;
  }

  /** Whether tabs share the session (false where BroadcastChannel or Web Locks are missing). */
  get sharedAcrossTabs(): boolean {
    return this.sharing.shared;
  }

  /**
   * An access token with more than the leeway left, waiting for the shared refresh if needed.
   * Errors with SessionExpiredError (`signed_out` when nobody is signed in) or
   * ProviderUnreachableError; never with a raw HTTP error.
   */
  accessToken(): Observable<string> {
    return from(this.ready).pipe(
      switchMap(() => this.refresher.freshTokens('expiry')),
      switchMap((tokens) =>
        tokens ? [tokens.accessToken] : throwError(() => new SessionExpiredError('signed_out')),
      ),
    );
  }

  /**
   * Leaves for the provider's sign-in page. `returnUrl` must be a path of this app; anything
   * else (another origin, `//host`, `javascript:`) is replaced by the dashboard.
   */
  login(returnUrl?: string): void {
    this.oidc.startLogin(safeReturnPath(returnUrl));
  }

  /**
   * Signs out of every tab at once, revokes the refresh token at the provider (RFC 7009) and
   * ends the provider's session (RP-initiated logout), which returns to the post-logout path.
   */
  async logout(): Promise<void> {
    const tokens = this.store.current();
    const { clientId, postLogoutPath } = this.configStore.current;
    this.sharing.endEverywhere('logout');
    this.log.emit('signed-out', { where: 'here', reason: 'logout' });
    let providerReachable = true;
    if (tokens?.refreshToken) {
      try {
        await firstValueFrom(this.endpoint.revoke(tokens.refreshToken));
      } catch (error: unknown) {
        // Best effort: every tab is signed out already. The token expires on its own schedule.
        console.warn('[auth] Revoking the refresh token failed:', error);
        providerReachable = !(
          error instanceof TimeoutError ||
          (error instanceof HttpErrorResponse && error.status === 0)
        );
      }
    }
    const postLogoutUri = globalThis.location.origin + postLogoutPath;
    const endSession =
      tokens && providerReachable
        ? this.oidc.endSessionUrl(tokens.idToken, clientId, postLogoutUri)
        : null;
    // Without a reachable end-session endpoint, stay in the app rather than show an error page.
    this.navigate(endSession ?? postLogoutUri);
  }
}
