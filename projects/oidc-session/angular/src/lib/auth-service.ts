import { Location, isPlatformServer } from '@angular/common';
import { Injectable, Signal, inject, signal, PLATFORM_ID } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import {
  Observable,
  combineLatest,
  distinctUntilChanged,
  firstValueFrom,
  from,
  map,
  shareReplay,
  switchMap,
  throwError,
} from 'rxjs';

import { SharedAuthConfig } from './core/config/config-types';
import { AuthConfigStore } from './core/config/auth-config-store';
import { LoginError, SessionExpiredError, TokenUnavailableError } from './core/auth-errors';
import { AuthEvent, AuthEventLog } from './core/auth-events';
import { SessionReady } from './core/session-ready';
import { SignInOutcome } from './core/sign-in-outcome';
import { PAGE_NAVIGATION } from './core/platform/page-navigation';
import { ServerPageHold } from './core/server/server-page-hold';
import { RENDER_SESSION } from './core/server/render-session';
import { safeReturnPath } from './core/return-url';
import { Session, SessionEnd, toSession } from './core/session';
import { ActiveSessionBackend } from './core/session-backend';
import { SessionSharing } from './core/tabs/session-sharing';
import { SessionStore } from './core/tabs/session-store';
import { SignOutNotice, SignOutNoticeStore } from './core/tabs/sign-out-notice';
import { SignOutPending } from './core/tabs/sign-out-pending';
import { SessionEndWatch } from './core/session-end/session-end-watch';
import { StepUpRequest } from './core/step-up/step-up-request';
import { StepUpStarter } from './core/step-up/step-up-starter';
import { TokenRefresher } from './core/token-refresher';

/**
 * The session, for the rest of the app: who is signed in, a fresh access token on demand,
 * sign-in and sign-out. The session is the same in every tab of the app.
 */
@Injectable({ providedIn: 'root' })
export class AuthService {
  private readonly store = inject(SessionStore);
  private readonly refresher = inject(TokenRefresher);
  private readonly sharing = inject(SessionSharing);
  private readonly sessionReady = inject(SessionReady);
  private readonly signIn = inject(SignInOutcome);
  private readonly active = inject(ActiveSessionBackend);
  private readonly configStore = inject(AuthConfigStore);
  private readonly log = inject(AuthEventLog);
  private readonly navigate = inject(PAGE_NAVIGATION);
  private readonly notices = inject(SignOutNoticeStore);
  private readonly pending = inject(SignOutPending);
  private readonly stepUps = inject(StepUpStarter);
  private readonly location = inject(Location);

  private readonly endWatch = inject(SessionEndWatch);

  /**
   * The current session or null, with when it ends if nothing happens (`end`, the same in every
   * tab); replays the latest value and emits only when it changes.
   */
  readonly session$: Observable<Session | null> = combineLatest([
    this.store.tokens$,
    this.endWatch.end$,
  ]).pipe(
    map(([tokens, end]) => (tokens ? toSession(tokens, end) : null)),
    distinctUntilChanged(
      (a, b) =>
        a?.version === b?.version &&
        a?.hasRefreshToken === b?.hasRefreshToken &&
        a?.claims.sub === b?.claims.sub &&
        a?.end?.at === b?.end?.at &&
        a?.end?.reason === b?.end?.reason,
    ),
    shareReplay({ bufferSize: 1, refCount: false }),
  );

  /**
   * Non-null from `sessionWarningSeconds` (default 60) before the session's end until it ends or
   * someone stays signed in, in every tab alike; the `session-ending` event says so once. The
   * library's `<oidc-session-ending-warning>` shows it.
   */
  readonly sessionEnding: Signal<SessionEnd | null> = this.endWatch.ending;

  /** Signal mirror of {@link session$} for templates. */
  readonly session: Signal<Session | null> = toSignal(this.session$, { requireSync: true });

  /**
   * False while the app renders on a server that does not know the session (browser mode, or a
   * bff-mode render whose BFF could not read its store): {@link session} is then null without
   * meaning "signed out", and a page should show neither "Sign in" nor "Signed in as" (the
   * browser decides after hydration). True in the browser, where start-up has made the session
   * known before anything renders, and in a bff-mode render that was given the session.
   */
  readonly sessionKnown: Signal<boolean> = isPlatformServer(inject(PLATFORM_ID))
    ? (inject(RENDER_SESSION)?.known ?? signal(false).asReadonly())
    : signal(true).asReadonly();

  /**
   * True while the server renders a guarded page without knowing the session: only the browser
   * may show that page, so the app's shell leaves its `<router-outlet>` out meanwhile
   * (`@if (!auth.pageHeldForBrowser()) { <router-outlet /> }`); the page's component then
   * neither renders nor sends a request on the server. Always false in the browser.
   */
  readonly pageHeldForBrowser: Signal<boolean> = inject(ServerPageHold).active;

  /** What the session does (refreshes, retries, adoption, sign-out), with timestamps; never tokens. */
  readonly events$: Observable<AuthEvent> = this.log.events$;

  /** The most recent events, oldest first, for the session panel. */
  readonly recentEvents: Signal<readonly AuthEvent[]> = this.log.recent;

  /** Why the last sign-in redirect failed, if it did. */
  readonly loginError: Signal<LoginError | null> = this.signIn.error.asReadonly();

  /** Why the last sign-out in this tab may have left the provider's own session open. */
  readonly signOutNotice: Signal<SignOutNotice | null> = this.notices.current;

  /**
   * True while a sign-out waits for the server that holds the session (bff mode, the BFF not
   * reached): every tab is signed out and stays so; the sign-out is sent again on the next
   * start-up or sign-in, and every request carries it meanwhile.
   */
  readonly signOutPending: Signal<boolean> = this.pending.pending;

  /** Hides {@link signOutNotice} once the user has read it. */
  dismissSignOutNotice(): void {
    this.notices.dismiss();
  }

  /** Resolves once start-up knows the session (restored, adopted from a tab, or none). */
  readonly ready: Promise<void> = this.sessionReady.ready;

  /** The validated runtime configuration (available once start-up has run). */
  get config(): SharedAuthConfig {
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
      switchMap((tokens) => {
        if (!tokens) return throwError(() => new SessionExpiredError('signed_out'));
        // The mode's to give (BFF mode: the session is real, but its tokens never come here).
        try {
          return [this.active.backend.accessToken(tokens)];
        } catch (error: unknown) {
          return throwError(() => error);
        }
      }),
    );
  }

  /**
   * Leaves for the provider's sign-in page. `returnUrl` must be a path of this app; anything
   * else (another origin, `//host`, `javascript:`) is replaced by the dashboard.
   * @throws ProviderUnreachableError when the provider cannot be reached (the page stays, and
   * can offer to try again); AuthConfigError when its discovery does not fit the configuration.
   */
  async login(returnUrl?: string): Promise<void> {
    await this.active.backend.login(safeReturnPath(returnUrl));
  }

  /**
   * Leaves for a stronger sign-in, as an API asked for it (RFC 9470): pass the `acrValues` and
   * `maxAge` of the StepUpRequiredError the request failed with, and the path to come back to.
   * The session continues, stronger: browser mode, its next generation, which every tab adopts;
   * BFF mode, the same session's next version. A sign-out before the user is back wins over it.
   * @throws LoginError when `acrValues` or `maxAge` cannot go into a sign-in (nothing was sent);
   * ProviderUnreachableError when sign-in cannot start now (the page stays).
   */
  async stepUp(request: StepUpRequest): Promise<void> {
    await this.stepUps.start(request);
  }

  /**
   * Keeps the session past the end {@link sessionEnding} announces. Before an idle end it extends
   * the session in every tab (BFF mode: one request to the BFF, which counts it; browser mode: the
   * activity itself). Before a lifetime end nothing can extend it: the page leaves for a new
   * sign-in that comes back to this page, first without any page at the provider (`prompt=none`,
   * while its own session lives), else the ordinary sign-in. What the page held in memory (a form
   * being filled) does not survive that redirect; the URL does.
   * @throws SessionExpiredError when there is no session (any more); ProviderUnreachableError when
   * the BFF or the provider cannot be reached now (the session ends as announced).
   */
  async staySignedIn(): Promise<void> {
    const state = this.store.current();
    if (!state) throw new SessionExpiredError('signed_out');
    const end = this.endWatch.ending() ?? (await firstValueFrom(this.endWatch.end$));
    if (end?.reason === 'lifetime') {
      await this.active.backend.login(this.location.path(true) || '/', { prompt: 'none' });
      return;
    }
    this.endWatch.recordActivity();
    await this.active.backend.keepAlive();
    this.endWatch.check();
  }

  /**
   * Signs out, and nothing that was in flight can undo it. The session ends at once in every
   * tab; then the refresh token is revoked at the provider (RFC 7009, best effort) and the page
   * goes to the provider's end-session endpoint (RP-initiated logout), which returns to the
   * post-logout path, whenever the provider has one, even if revocation failed. Only when the
   * browser is offline or the provider gave no answer at all does the page stay in the app,
   * with {@link signOutNotice} saying that the provider's own session may still be open.
   */
  async logout(): Promise<void> {
    const ended = this.store.current();
    this.sharing.signOutEverywhere();
    this.log.emit('signed-out', { where: 'here', reason: 'logout' });
    const { navigateTo, notice } = await this.active.backend.signOut(ended);
    // The page after it says so, once (a pending sign-out says so in every tab instead).
    const said = notice ?? (this.pending.isPending() ? null : 'complete');
    if (said) this.notices.record(said);
    this.navigate(navigateTo);
  }
}
