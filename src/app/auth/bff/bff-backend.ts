import { HttpErrorResponse, HttpRequest } from '@angular/common/http';
import { DOCUMENT, Injectable, inject } from '@angular/core';
import { Location } from '@angular/common';
import { firstValueFrom } from 'rxjs';

import { ApiAllowlist } from '../api-allowlist';
import { AuthConfigStore } from '../auth-config-store';
import { LoginError, ProviderUnreachableError, SessionExpiredError } from '../auth-errors';
import { AuthEventLog } from '../auth-events';
import { AUTH_STARTUP_REPORTER } from '../auth-startup-reporter';
import { AUTH_TIMING } from '../auth-timing';
import { CLOCK } from '../clock';
import { PAGE_NAVIGATION } from '../page-navigation';
import { delay, retryWhileUnreachable } from '../retry-while-unreachable';
import { TokenSet } from '../session';
import { RejectionVerdict, SessionBackend, SignOutOutcome } from '../session-backend';
import { SessionSharing } from '../session-sharing';
import { SessionStore } from '../session-store';
import { SignInOutcome } from '../sign-in-outcome';
import { BFF_CSRF_HEADER, BffClient, BffSession, fromBff } from './bff-client';
import { BffPendingSignIn } from './bff-pending-sign-in';

/** Start-up keeps asking a BFF that answers "try again later", at most this far apart. */
const STARTUP_RETRY_CAP_MS = 5_000;

/** What the BFF's `/login?error=` codes mean, in the login page's words. */
const SIGN_IN_ERRORS: Readonly<Record<string, string>> = {
  login_failed: 'the sign-in could not be completed at the identity provider; please try again',
  unavailable: 'the identity provider cannot be reached right now; please try again',
};

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
  private readonly pendingSignIn = inject(BffPendingSignIn);
  private allowlist: ApiAllowlist | null = null;

  async start(): Promise<void> {
    // Nothing is kept in the tab: the cookie is the session, and the BFF says what it is.
    this.store.open('memory');
    this.sharing.connect();
    this.readSignInError();
    const session = await this.askUntilAnswered();
    if (session) {
      const state = await this.sharing.publishVersioned(this.toState(session));
      this.events.emit('signed-in', { generation: state.generation });
    } else {
      this.store.clear();
    }
  }

  async login(returnPath: string): Promise<void> {
    this.pendingSignIn.mark();
    this.navigate(
      `${this.config.current.bffPath}/login?returnUrl=${encodeURIComponent(returnPath)}`,
    );
  }

  async refresh(basis: number): Promise<TokenSet> {
    const current = this.store.current();
    if (!current) throw new SessionExpiredError('signed_out');
    if (current.generation > basis) return current;
    const session = await retryWhileUnreachable(() => {
      if (!this.sharing.isAlive(current)) throw new SessionExpiredError('signed_out');
      return firstValueFrom(this.client.refresh(current.generation));
    }, this.timing.refreshRetryDelaysMs);
    const state = await this.sharing.publishVersioned(this.toState(session));
    this.events.emit('refresh-succeeded', {
      generation: state.generation,
      expiresAt: state.expiresAt,
      // The BFF answers with a newer version without refreshing when another tab, or a proxied
      // call on the server, already did.
      by: session.refreshed === false ? 'another-tab' : 'this-tab',
    });
    return state;
  }

  async signOut(): Promise<SignOutOutcome> {
    const postLogoutUri = globalThis.location.origin + this.config.current.postLogoutPath;
    try {
      const endSession = await firstValueFrom(this.client.logout());
      return {
        navigateTo: endSession ?? postLogoutUri,
        notice: endSession ? null : 'no_end_session',
      };
    } catch (error: unknown) {
      // The tabs are signed out already; the BFF could not be told (or could not tell the
      // provider), so its session or the provider's may still be open: say so.
      const status = error instanceof HttpErrorResponse ? error.status : 'no answer';
      console.warn(`[auth] Signing out at the BFF failed (${status}).`);
      return { navigateTo: postLogoutUri, notice: 'provider_unreachable' };
    }
  }

  discardLate(): void {
    // The BFF never hands a refresh token to the tab; a sign-out at the BFF ends them all there.
  }

  protects(url: string): boolean {
    this.allowlist ??= new ApiAllowlist(this.config.current.apis, this.document.baseURI);
    return this.allowlist.allows(url);
  }

  authorize(request: HttpRequest<unknown>): HttpRequest<unknown> {
    // The token is attached by the BFF; the browser proves only that the call is the app's own.
    return request.clone({ setHeaders: { [BFF_CSRF_HEADER]: '1' } });
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

  /** The BFF sends a failed sign-in back to `/login?error=<code>`; the page shows a fixed text. */
  private readSignInError(): void {
    // Only this tab's own sign-in, back on the login route, has an answer to read: a link to
    // `/dashboard?error=x` (or to `/login?error=x` from anywhere) is left to the app, untouched.
    if (!this.pendingSignIn.takeOnLoginRoute(this.document.location.pathname)) return;
    const params = new URLSearchParams(this.document.location.search);
    const code = params.get('error');
    if (code === null) return;
    this.outcome.error.set(
      new LoginError(
        SIGN_IN_ERRORS[code] ?? 'the sign-in could not be completed; please try again',
      ),
    );
    params.delete('error');
    const query = params.toString();
    this.location.replaceState(this.document.location.pathname + (query ? `?${query}` : ''));
  }

  private toState(session: BffSession): TokenSet {
    const now = this.clock.now();
    return {
      accessToken: null,
      refreshToken: null,
      idToken: null,
      serverHeld: true,
      claims: session.user,
      receivedAt: now,
      expiresAt: now + session.accessTokenExpiresIn * 1000,
      generation: session.version,
      epoch: this.sharing.currentEpoch(),
      providerClockOffsetMs: null,
    };
  }
}
