import {
  HttpErrorResponse,
  HttpEvent,
  HttpHandlerFn,
  HttpHeaders,
  HttpRequest,
  HttpResponse,
} from '@angular/common/http';
import { DOCUMENT, Injectable, inject } from '@angular/core';
import { Location } from '@angular/common';
import { Observable, firstValueFrom, tap } from 'rxjs';

import {
  ɵApiAllowlist as ApiAllowlist,
  ɵAUTH_STARTUP_REPORTER as AUTH_STARTUP_REPORTER,
  ɵAUTH_TIMING as AUTH_TIMING,
  ɵAuthConfigStore as AuthConfigStore,
  ɵAuthEventLog as AuthEventLog,
  type ɵAuthenticationParameters as AuthenticationParameters,
  CLOCK,
  ɵdelay as delay,
  LoginError,
  ɵPAGE_NAVIGATION as PAGE_NAVIGATION,
  ProviderUnreachableError,
  ɵCoordinatedRefresh as CoordinatedRefresh,
  ɵRedeemed as Redeemed,
  ɵRejectionVerdict as RejectionVerdict,
  ɵSessionBackend as SessionBackend,
  SessionExpiredError,
  ɵTokenUnavailableError as TokenUnavailableError,
  ɵSessionSharing as SessionSharing,
  ɵSessionStore as SessionStore,
  ɵSignInOutcome as SignInOutcome,
  ɵSignOutOutcome as SignOutOutcome,
  ɵSessionState as SessionState,
  ɵserverActivityAt as serverActivityAt,
  ɵserverHeldState as serverHeldState,
  ɵSharedActivity as SharedActivity,
  ɵTokenRefresher as TokenRefresher,
} from '@oidc-session/angular';
import { bffConfig } from './bff-config';
import { BFF_CSRF_HEADER, BffClient, BffSession } from './bff-client';
import { fromBff } from './http-bff-client';
import { bffSignInErrorDetail } from './bff-sign-in-errors';
import { BffSignOut } from './bff-sign-out';
import { BffPendingSignIn } from './bff-pending-sign-in';

/** On every proxied answer for a live session: seconds until the BFF's idle end (bff/README.md). */
const IDLE_EXPIRES_IN_HEADER = 'X-BFF-Idle-Expires-In';

/** Start-up keeps asking a BFF that answers "try again later", at most this far apart. */
const STARTUP_RETRY_CAP_MS = 5_000;

/**
 * bff mode: a backend-for-frontend on this origin holds every token; the tab holds only what
 * the BFF's session endpoint says (the user's claims, the access token's remaining lifetime and
 * the session version) and an HttpOnly cookie it cannot read. Requests to the API go through the
 * BFF's proxy with the CSRF header; a refresh is one call to the BFF, which shares it across
 * tabs and instances by version.
 */
@Injectable()
export class BffBackend extends SessionBackend {
  private readonly client = inject(BffClient);
  private readonly config = inject(AuthConfigStore);
  private readonly store = inject(SessionStore);
  private readonly sharing = inject(SessionSharing);
  private readonly events = inject(AuthEventLog);
  private readonly timing = inject(AUTH_TIMING);
  private readonly clock = inject(CLOCK);
  private readonly reporter = inject(AUTH_STARTUP_REPORTER);
  private readonly outcome = inject(SignInOutcome);
  private readonly navigate = inject(PAGE_NAVIGATION);
  private readonly location = inject(Location);
  private readonly document = inject(DOCUMENT);
  private readonly signOuts = inject(BffSignOut);
  private readonly pendingSignIn = inject(BffPendingSignIn);
  private readonly activity = inject(SharedActivity);
  private readonly refresher = inject(TokenRefresher);
  private allowlist: ApiAllowlist | null = null;

  async start(): Promise<void> {
    // Nothing is kept in the tab: the cookie is the session, and the BFF says what it is.
    this.store.open('memory');
    this.sharing.connect();
    this.readSignInError();
    // Stamped now, or when the sign-in this page load returns from began: an answer to a
    // request (or a sign-in) that began before a sign-out is dropped on arrival.
    const epoch = this.sharing.takeSignInEpoch();
    if (this.signOuts.isPending) {
      await this.finishPendingSignOut();
      return;
    }
    const session = await this.askUntilAnswered();
    if (!session) {
      this.store.clear();
      return;
    }
    try {
      const state = await this.sharing.publishVersioned(this.toState(session, epoch));
      this.events.emit('signed-in', { generation: state.generation });
    } catch (error: unknown) {
      // A sign-out came first (another tab's, while the answer or the sign-in was on its way):
      // this tab starts signed out, and a session the BFF made since (a sign-in completed after
      // the sign-out) is ended there too.
      if (!(error instanceof SessionExpiredError)) throw error;
      this.store.clear();
      await this.signOuts.signOut();
    }
  }

  /**
   * A sign-out of some tab that the BFF has not confirmed: sent again before anything else. This
   * tab starts signed out whatever happens; one session request (which carries the pending
   * cookie, so the BFF ends the session first) tells whether the BFF has no session any more.
   */
  private async finishPendingSignOut(): Promise<void> {
    this.store.clear();
    if ((await this.signOuts.finish()).heard) return;
    try {
      // An answer with a user would be from a BFF that ignored the cookie: never adopted.
      if ((await firstValueFrom(this.client.session())) === null) {
        this.signOuts.confirmedSignedOut();
      }
    } catch {
      // Still unreachable: the sign-out stays pending and the page says so.
    }
  }

  async login(returnPath: string, authentication: AuthenticationParameters = {}): Promise<void> {
    // A sign-in must not come back to the session the user ended: the BFF hears that first.
    if (!(await this.signOuts.finish()).heard) throw new ProviderUnreachableError('network');
    // A sign-out in any tab before the user comes back wins over this sign-in.
    this.sharing.recordSignInStart();
    this.pendingSignIn.mark();
    let query = `returnUrl=${encodeURIComponent(returnPath)}`;
    // A step-up: the BFF asks the provider for these, and replaces the tokens of the session in
    // place (same cookie, the next version) when the same user comes back.
    if (authentication.acrValues !== undefined) {
      query += `&acr_values=${encodeURIComponent(authentication.acrValues)}`;
    }
    if (authentication.maxAge !== undefined) query += `&max_age=${authentication.maxAge}`;
    // "Stay signed in" at the session's lifetime end: no page at the provider if its session
    // lives; the BFF goes on to the ordinary sign-in when it does not.
    if (authentication.prompt === 'none') query += '&prompt=none';
    this.navigate(`${bffConfig(this.config).bffPath}/login?${query}`);
  }

  async coordinate(
    basis: number,
    refresh: (current: SessionState) => Promise<Redeemed>,
  ): Promise<CoordinatedRefresh> {
    // The BFF coordinates tabs and instances by version; the tab only checks what it knows.
    const current = this.store.current();
    if (!current) throw new SessionExpiredError('signed_out');
    if (current.generation > basis) return { state: current, by: 'another-tab' };
    if (this.signOuts.isPending) throw new SessionExpiredError('signed_out');
    // The epoch when the request starts, as in browser mode: a sign-out while the answer is on
    // its way makes publishVersioned drop it, in this tab and in every other.
    const epoch = this.sharing.currentEpoch();
    const session = (await refresh(current)) as BffSession;
    return {
      state: await this.sharing.publishVersioned(this.toState(session, epoch)),
      // The BFF answers with a newer version without refreshing when another tab, or a proxied
      // call on the server, already did.
      by: session.refreshed === false ? 'another-tab' : 'this-tab',
    };
  }

  redeem(current: SessionState): Promise<BffSession> {
    return firstValueFrom(this.client.refresh(current.generation));
  }

  async signOut(): Promise<SignOutOutcome> {
    const postLogoutUri = globalThis.location.origin + this.config.current.postLogoutPath;
    const result = await this.signOuts.signOut();
    // Not heard: the sign-out stays pending (every tab honours it, the page says so) and is sent
    // again on the next start-up or sign-in; the post-logout page is in the app.
    if (!result.heard) return { navigateTo: postLogoutUri, notice: null };
    return {
      navigateTo: result.endSessionUrl ?? postLogoutUri,
      notice: !result.endSessionUrl
        ? 'no_end_session'
        : result.refreshTokenRevoked
          ? null
          : 'refresh_token_not_revoked',
    };
  }

  async ended(): Promise<void> {
    // Every tab is signed out already; the BFF ends the session too (it may have already, idle),
    // or the sign-out stays pending and is sent again, as a sign-out the BFF did not hear.
    await this.signOuts.signOut();
  }

  async keepAlive(): Promise<void> {
    // The BFF counts this request as use of the session, and answers with its new idle end.
    const epoch = this.sharing.currentEpoch();
    const session = await firstValueFrom(this.client.session());
    if (!session) throw this.refresher.sessionEndedByServer('no session');
    await this.sharing.publishVersioned(this.toState(session, epoch));
  }

  discardLate(): void {
    // The BFF never hands a refresh token to the tab; a sign-out at the BFF ends them all there.
  }

  accessToken(): string {
    // The session is real, but its tokens never come to the browser: call the API through /api/.
    throw new TokenUnavailableError();
  }

  protects(url: string): boolean {
    this.allowlist ??= new ApiAllowlist(this.config.current.apis, this.document.baseURI);
    return this.allowlist.allows(url);
  }

  send(
    request: HttpRequest<unknown>,
    state: SessionState,
    next: HttpHandlerFn,
  ): Observable<HttpEvent<unknown>> {
    // The token is attached by the BFF; the browser proves only that the call is the app's own.
    return next(request.clone({ setHeaders: { [BFF_CSRF_HEADER]: '1' } })).pipe(
      // The BFF counted the call as use of the session, and says when its idle end now is.
      tap((event) => {
        if (event instanceof HttpResponse) this.noteIdleEnd(event.headers, state);
      }),
    );
  }

  private noteIdleEnd(headers: HttpHeaders, state: SessionState): void {
    const left = Number(headers.get(IDLE_EXPIRES_IN_HEADER) ?? NaN);
    const timeout = state.idleTimeoutMs;
    if (timeout === undefined || !Number.isFinite(left)) return;
    const at = serverActivityAt(
      { idleExpiresIn: left, idleTimeout: timeout / 1000 },
      this.clock.now(),
    );
    if (at !== undefined) this.activity.record(at);
  }

  sendUnprotected(
    request: HttpRequest<unknown>,
    next: HttpHandlerFn,
  ): Observable<HttpEvent<unknown>> {
    return next(request);
  }

  judge(error: HttpErrorResponse): RejectionVerdict {
    // The BFF itself saying 401 means the session is gone. A 401 or 403 from the API behind
    // it is the API's answer: the BFF has already refreshed and retried once where that helps.
    return error.status === 401 && fromBff(error) ? 'session-ended' : 'pass';
  }

  /**
   * The session at start-up. "Try again later" (503, no answer) is not "signed out": the page
   * says that it cannot check the session and keeps asking until the BFF answers.
   */
  private async askUntilAnswered(): Promise<BffSession | null> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await firstValueFrom(this.client.session());
      } catch (error: unknown) {
        if (!(error instanceof ProviderUnreachableError)) throw error;
        this.reporter.waiting(
          `Cannot check your session right now (${error.reason}); trying again (attempt ${attempt + 1})…`,
        );
        await delay(Math.min(STARTUP_RETRY_CAP_MS, 500 * 2 ** (attempt - 1)));
      }
    }
  }

  /** The BFF sends a failed sign-in back to `/login?error=<reason>&detail=<provider error>`. */
  private readSignInError(): void {
    // Only this tab's own sign-in, back on the login route, has an answer to read: a link to
    // `/dashboard?error=x` (or to `/login?error=x` from anywhere) is left to the app, untouched.
    if (!this.pendingSignIn.takeOnLoginRoute(this.document.location.pathname)) return;
    const params = new URLSearchParams(this.document.location.search);
    const code = params.get('error');
    if (code === null) return;
    this.outcome.error.set(new LoginError(bffSignInErrorDetail(code, params.get('detail'))));
    params.delete('error');
    params.delete('detail');
    const query = params.toString();
    this.location.replaceState(this.document.location.pathname + (query ? `?${query}` : ''));
  }

  /**
   * `epoch`: the sign-out epoch when the request that brought `session` started. The BFF counted
   * that request as use of the session: its idle end is every tab's.
   */
  private toState(session: BffSession, epoch: number): SessionState {
    const now = this.clock.now();
    const activityAt = serverActivityAt(session, now);
    if (activityAt !== undefined) this.activity.record(activityAt);
    return serverHeldState(session, now, epoch);
  }
}
