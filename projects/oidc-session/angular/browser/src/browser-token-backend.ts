import { HttpErrorResponse, HttpEvent, HttpHandlerFn, HttpRequest } from '@angular/common/http';
import { DOCUMENT, Injectable, inject } from '@angular/core';
import { Location } from '@angular/common';
import { Observable, firstValueFrom } from 'rxjs';

import {
  ɵApiAllowlist as ApiAllowlist,
  ɵAUTH_TIMING as AUTH_TIMING,
  ɵAuthConfigStore as AuthConfigStore,
  ɵAuthEventLog as AuthEventLog,
  type ɵAuthenticationParameters as AuthenticationParameters,
  ɵdelay as delay,
  ɵLOGIN_ROUTE as LOGIN_ROUTE,
  LoginError,
  ɵObtainedSession as ObtainedSession,
  ProviderUnreachableError,
  ɵCoordinatedRefresh as CoordinatedRefresh,
  ɵRedeemed as Redeemed,
  ɵRejectionVerdict as RejectionVerdict,
  ɵSessionBackend as SessionBackend,
  SessionExpiredError,
  ɵSessionSharing as SessionSharing,
  ɵSessionStore as SessionStore,
  ɵSignInOutcome as SignInOutcome,
  ɵSignOutOutcome as SignOutOutcome,
  ɵTAB_SYNC as TAB_SYNC,
  ɵSessionState as SessionState,
} from '@oidc-session/angular';
import { BrowserAuthConfig, browserConfig } from './browser-config';
import { BrowserCredentials, tokensOf } from './browser-credentials';
import { DpopRequests, DpopSupport } from './dpop';
import { OidcClient, endSessionUrl } from './sign-in/oidc-client';
import { ProviderMetadataStore } from './provider/provider-metadata';
import { TokenEndpoint } from './provider/token-endpoint';
import { readRefreshExpiresIn, sessionLimits } from './session-limits';
import { SilentSignIn } from './sign-in/silent-sign-in';

/**
 * Browser mode: the tokens live in the tab (sessionStorage or memory), shared by every tab of
 * the app; sign-in through angular-oauth2-oidc (loaded on demand), refresh at the provider's
 * token endpoint under a cross-tab Web Lock, the access token as a Bearer header on requests to
 * the configured APIs.
 */
@Injectable()
export class BrowserTokenBackend extends SessionBackend {
  private readonly config = inject(AuthConfigStore);
  private readonly store = inject(SessionStore);
  private readonly sharing = inject(SessionSharing);
  private readonly tabs = inject(TAB_SYNC);
  private readonly oidc = inject(OidcClient);
  private readonly endpoint = inject(TokenEndpoint);
  private readonly metadata = inject(ProviderMetadataStore);
  private readonly events = inject(AuthEventLog);
  private readonly timing = inject(AUTH_TIMING);
  private readonly outcome = inject(SignInOutcome);
  private readonly location = inject(Location);
  private readonly document = inject(DOCUMENT);
  private readonly loginRoute = inject(LOGIN_ROUTE);
  private readonly dpop = inject(DpopSupport);
  private readonly dpopRequests = inject(DpopRequests);
  private readonly silentSignIn = inject(SilentSignIn);
  private allowlist: ApiAllowlist | null = null;

  async start(): Promise<void> {
    const stored = this.store.open(browserConfig(this.config).storage);
    this.sharing.connect();
    // Only this tab's own sign-in coming back is an answer; a `?error=` or `?code=&state=` on
    // any other page, or without this tab's pending state, is the app's and stays in the URL.
    if (this.oidc.hasLoginResponse(this.document.location)) {
      await this.completeLogin(stored);
    } else {
      await this.sharing.join(stored, this.timing.tabJoinTimeoutMs);
    }
  }

  async login(returnPath: string, authentication?: AuthenticationParameters): Promise<void> {
    // A step-up is a sign-in like any other: its tokens become the next generation, which every
    // tab adopts, and a sign-out made meanwhile wins over it (the epoch recorded here).
    this.sharing.recordSignInStart();
    this.silentSignIn.mark(authentication?.prompt === 'none' ? returnPath : null);
    await this.oidc.startLogin(returnPath, authentication);
  }

  async ended(state: SessionState): Promise<void> {
    // Every tab is signed out already; the provider no longer needs to honour the refresh token.
    await this.revokeBestEffort(tokensOf(state).refreshToken ?? null);
  }

  async keepAlive(): Promise<void> {
    // The tab decides the idle end itself: the activity the core recorded is all there is to it.
  }

  coordinate(
    basis: number,
    refresh: (current: SessionState) => Promise<Redeemed>,
  ): Promise<CoordinatedRefresh> {
    return this.tabs.withRefreshLock(
      () => this.coordinateHoldingLock(basis, refresh),
      this.timing.refreshLockTimeoutMs,
    );
  }

  redeem(current: SessionState): Promise<ObtainedSession> {
    return firstValueFrom(this.endpoint.refresh(current));
  }

  async signOut(ended: SessionState | null): Promise<SignOutOutcome> {
    const { clientId, postLogoutPath } = browserConfig(this.config);
    const postLogoutUri = globalThis.location.origin + postLogoutPath;
    const tokens = ended ? tokensOf(ended) : null;
    const reached = await this.revokeBestEffort(tokens?.refreshToken ?? null);
    // Catching: metadata that cannot be had now means the provider cannot be told either.
    const metadata = reached ? await this.metadata.get().catch(() => null) : null;
    const endSession = endSessionUrl(metadata, tokens?.idToken ?? null, clientId, postLogoutUri);
    return {
      navigateTo: endSession ?? postLogoutUri,
      notice: endSession ? null : metadata ? 'no_end_session' : 'provider_unreachable',
    };
  }

  discardLate(late: ObtainedSession): void {
    const { refreshToken } = tokensOf(late);
    if (!refreshToken) return;
    this.endpoint.revoke(refreshToken).subscribe({
      // The token then lives out its lifetime at the provider; nothing here holds it any more.
      error: () => console.warn('[auth] Revoking a refresh token obtained after sign-out failed.'),
    });
  }

  protects(url: string): boolean {
    const config = browserConfig(this.config);
    this.allowlist ??= new ApiAllowlist(config.apis, this.document.baseURI);
    if (!this.allowlist.allows(url)) return false;
    // Defence in depth: even a misconfigured allowlist must not send a token to the token
    // endpoint. Only a URL that begins with it can be it; only then is the target worked out.
    const tokenEndpoint = this.metadata.current()?.tokenEndpoint;
    return (
      !tokenEndpoint ||
      !url.startsWith(tokenEndpoint) ||
      this.allowlist.match(url) !== tokenEndpoint
    );
  }

  send(
    request: HttpRequest<unknown>,
    tokens: SessionState,
    next: HttpHandlerFn,
  ): Observable<HttpEvent<unknown>> {
    const { accessToken, tokenType } = tokensOf(tokens);
    if (tokenType === 'DPoP') {
      // Every attempt, the retry after a refresh included, gets a proof of its own.
      return this.dpopRequests.sendToApi(request, next, accessToken);
    }
    return next(request.clone({ setHeaders: { Authorization: `Bearer ${accessToken}` } }));
  }

  accessToken(state: SessionState): string {
    return tokensOf(state).accessToken;
  }

  sendUnprotected(
    request: HttpRequest<unknown>,
    next: HttpHandlerFn,
  ): Observable<HttpEvent<unknown>> {
    // Only a POST to the provider's token endpoint can need a proof; everything else leaves at once.
    return this.dpopRequests.isTokenRequest(request)
      ? this.dpopRequests.sendTokenRequest(request, next)
      : next(request);
  }

  judge(error: HttpErrorResponse): RejectionVerdict {
    // A 403 means the token is fine and a permission is missing: a new token would not help.
    return error.status === 401 ? 'refresh' : 'pass';
  }

  /**
   * Finishes the redirect back from the provider. The router has not navigated yet, so
   * replacing the URL here makes its first navigation go straight to the return path (a
   * `navigateByUrl` now would be overridden by that first navigation).
   */
  private async completeLogin(stored: SessionState | null): Promise<void> {
    // A sign-in without a page at the provider ("Stay signed in") that needs one goes on to the
    // ordinary sign-in, back to the same page, instead of failing.
    const silent = this.silentSignIn.take();
    const answer = new URLSearchParams(this.document.location.search).get('error');
    if (silent !== null && answer !== null && SilentSignIn.needsInteraction(answer)) {
      await this.login(silent);
      return;
    }
    try {
      // Taken before the code exchange: a sign-out during it must win, as must one made in
      // another tab while this tab was at the provider.
      const epoch = this.sharing.takeSignInEpoch();
      const { tokens, returnPath } = await this.oidc.completeLogin(this.document.location.search);
      const published = await this.tabs
        .withRefreshLock(async () => {
          await this.adoptSignInKey(tokensOf(tokens).tokenType, epoch);
          return this.sharing.publish(
            withLimits({ ...tokens, epoch }, browserConfig(this.config)),
            await this.tabs.newestHeldGeneration(),
          );
        }, this.timing.refreshLockTimeoutMs)
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
      this.dpop.abandonSignInKey();
      this.outcome.error.set(failure);
      this.location.replaceState(this.loginRoute);
      // A failed sign-in does not end a session the other tabs still have.
      await this.sharing.join(stored, this.timing.tabJoinTimeoutMs);
    }
  }

  /**
   * A DPoP-bound sign-in's key becomes the one every tab shares only now, holding the refresh
   * lock, just before its session is published: a sign-in abandoned at the provider, or one a
   * sign-out overtook (its publish will refuse it), leaves the key of the live session alone.
   */
  private async adoptSignInKey(
    tokenType: BrowserCredentials['tokenType'],
    epoch: number,
  ): Promise<void> {
    if (tokenType === 'DPoP' && this.sharing.isAlive({ epoch })) {
      await this.dpop.adoptSignInKey();
    } else {
      this.dpop.abandonSignInKey();
    }
  }

  private async coordinateHoldingLock(
    basis: number,
    refresh: (current: SessionState) => Promise<Redeemed>,
  ): Promise<CoordinatedRefresh> {
    // A tab that refreshed just before us posted its token set before releasing the lock; let
    // that message be delivered before deciding that we must refresh ourselves.
    await delay(0);
    const current = this.store.current();
    if (!current) throw new SessionExpiredError('signed_out');
    // Another tab refreshed while we waited for the lock; its result is ours too.
    if (current.generation > basis) return { state: current, by: 'another-tab' };
    // A sign-out or another tab's refused refresh of this very set, whose message is not here yet.
    if (current.epoch < this.sharing.currentEpoch()) throw new SessionExpiredError('signed_out');
    if (!this.sharing.isAlive(current)) {
      throw new SessionExpiredError('refresh_rejected', 'refused in another tab');
    }
    const newestHeld = await this.tabs.newestHeldGeneration();
    if (newestHeld > current.generation) {
      const newer = await this.sharing.awaitGeneration(newestHeld, this.timing.tabJoinTimeoutMs);
      if (newer) return { state: newer, by: 'another-tab' };
      // Our refresh token was rotated by a tab that did not answer in time; presenting it would
      // be a replay. A tab that still holds the newer set is slow (an alert open, a debugger,
      // a starved CPU), not gone: fail only the waiting requests and ask again next time.
      if ((await this.tabs.newestHeldGeneration()) > current.generation) {
        throw new ProviderUnreachableError('tab_unresponsive');
      }
      // The holder is gone (its generation lock was released) and took the live tokens with it.
      throw new SessionExpiredError('superseded');
    }
    if (this.tabs.lastAllocatedGeneration() > current.generation) {
      // A newer set was made from our lineage by a tab that has closed since: our refresh token
      // is probably rotated, and presenting it would be a replay that revokes the whole grant.
      throw new SessionExpiredError('superseded');
    }
    if (!tokensOf(current).refreshToken) throw new SessionExpiredError('no_refresh_token');
    const fresh = (await refresh(current)) as ObtainedSession;
    return { state: await this.sharing.publish(fresh, newestHeld), by: 'this-tab' };
  }

  /** Revokes the refresh token; false when the provider cannot have heard (offline, no answer). */
  private async revokeBestEffort(refreshToken: string | null): Promise<boolean> {
    if (this.document.defaultView?.navigator.onLine === false) return false;
    if (!refreshToken) return true;
    try {
      await firstValueFrom(this.endpoint.revoke(refreshToken));
      return true;
    } catch (error: unknown) {
      // Every tab is signed out already; the token lives out its lifetime at the provider. A
      // timeout or an error status still means the provider is there to end its session.
      const status = error instanceof HttpErrorResponse ? error.status : null;
      console.warn(`[auth] Revoking the refresh token failed (${status ?? describe(error)}).`);
      return status !== 0 && !(error instanceof ProviderUnreachableError);
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.name : 'error';
}

/**
 * A sign-in's session with where it ends (session-limits.ts): the refresh token's end, which the
 * sign-in carried in its credentials as `refreshExpiresIn`, becomes `sessionEndsAt`.
 */
function withLimits(session: ObtainedSession, config: BrowserAuthConfig): ObtainedSession {
  const { refreshExpiresIn, ...credentials } = session.credentials ?? {};
  const seconds = readRefreshExpiresIn(refreshExpiresIn);
  const { sessionLimit, ...limits } = sessionLimits(config, {
    receivedAt: session.receivedAt,
    ...(seconds === undefined ? {} : { refreshExpiresIn: seconds }),
  });
  return { ...session, ...limits, credentials: { ...credentials, sessionLimit } };
}
