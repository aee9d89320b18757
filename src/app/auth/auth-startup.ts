import { Location } from '@angular/common';
import { DOCUMENT, DestroyRef, Injectable, inject, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { fromEvent } from 'rxjs';

import { AuthConfigStore } from './auth-config-store';
import { LoginError, ProviderUnreachableError, SessionExpiredError } from './auth-errors';
import { AuthEventLog } from './auth-events';
import { AUTH_STARTUP_REPORTER } from './auth-startup-reporter';
import { AUTH_TIMING } from './auth-timing';
import { LOGIN_ROUTE } from './login-route';
import { OidcClient } from './oidc-client';
import { SessionSharing } from './session-sharing';
import { SessionStore } from './session-store';
import { TAB_SYNC } from './tab-sync';
import { TokenRefresher } from './token-refresher';

/**
 * What runs before the app renders (an app initializer): load and check the configuration,
 * then either finish a sign-in redirect or restore the session (from this tab's storage or from
 * an open tab). Restoring asks the provider nothing, not even discovery: a stored session whose
 * access token expired is refreshed by the first request or guard that needs it.
 */
@Injectable({ providedIn: 'root' })
export class AuthStartup {
  private readonly configStore = inject(AuthConfigStore);
  private readonly oidc = inject(OidcClient);
  private readonly store = inject(SessionStore);
  private readonly sharing = inject(SessionSharing);
  private readonly tabs = inject(TAB_SYNC);
  private readonly refresher = inject(TokenRefresher);
  private readonly events = inject(AuthEventLog);
  private readonly timing = inject(AUTH_TIMING);
  private readonly reporter = inject(AUTH_STARTUP_REPORTER);
  private readonly location = inject(Location);
  private readonly document = inject(DOCUMENT);
  private readonly loginRoute = inject(LOGIN_ROUTE);
  private readonly destroyRef = inject(DestroyRef);
  private markReady!: () => void;

  /** Resolves once the session is known (restored, adopted, signed in or none). */
  readonly ready = new Promise<void>((resolve) => (this.markReady = resolve));
  /** Why the last sign-in redirect could not be completed, for the login page. */
  readonly loginError = signal<LoginError | null>(null);

  async run(): Promise<void> {
    try {
      const config = await this.configStore.load();
      // No discovery here: a stored or shared session is restored without asking the provider,
      // so a reload is fast and survives a provider outage. Metadata is fetched when needed.
      const stored = this.store.open(config.storage);
      this.sharing.connect();
      if (this.oidc.hasLoginResponse(this.document.location.search)) {
        await this.completeLogin(stored);
      } else {
        await this.sharing.join(stored, this.timing.tabJoinTimeoutMs);
      }
      this.refreshWhenBackOnline();
      this.reporter.ready();
      this.markReady();
    } catch (error: unknown) {
      this.reporter.failed(error);
      throw error;
    }
  }

  /**
   * Finishes the redirect back from the provider. The router has not navigated yet, so
   * replacing the URL here makes its first navigation go straight to the return path (a
   * `navigateByUrl` now would be overridden by that first navigation).
   */
  private async completeLogin(stored: ReturnType<SessionStore['open']>): Promise<void> {
    try {
      // Taken before the code exchange: a sign-out during it must win, as must one made in
      // another tab while this tab was at the provider.
      const epoch = this.sharing.takeSignInEpoch();
      const { tokens, returnPath } = await this.oidc.completeLogin(this.document.location.search);
      const published = await this.tabs
        .withRefreshLock(
          async () =>
            this.sharing.publish({ ...tokens, epoch }, await this.tabs.newestHeldGeneration()),
          this.timing.refreshLockTimeoutMs,
        )
        .catch((error: unknown) => {
          throw error instanceof SessionExpiredError && error.reason === 'signed_out'
            ? new LoginError(
                'you signed out while this sign-in was under way; please sign in again',
              )
            : error;
        });
      this.events.emit('signed-in', { generation: published.generation });
      this.location.replaceState(returnPath);
    } catch (error: unknown) {
      const failure =
        error instanceof LoginError
          ? error
          : error instanceof ProviderUnreachableError
            ? new LoginError('the identity provider cannot be reached right now; please try again')
            : new LoginError(error instanceof Error ? error.message : String(error));
      console.error('[auth]', failure);
      this.loginError.set(failure);
      this.location.replaceState(this.loginRoute);
      // A failed sign-in does not end a session the other tabs still have.
      await this.sharing.join(stored, this.timing.tabJoinTimeoutMs);
    }
  }

  /** After the network comes back, refresh a token that went stale while it was away. */
  private refreshWhenBackOnline(): void {
    const window = this.document.defaultView;
    if (!window) return;
    fromEvent(window, 'online')
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe(() =>
        this.refresher.freshTokens('online').subscribe({
          // Failures are already events and the session policy has run; nobody else waits here.
          error: () => undefined,
        }),
      );
  }
}
