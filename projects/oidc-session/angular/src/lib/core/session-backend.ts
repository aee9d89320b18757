import { HttpErrorResponse, HttpEvent, HttpHandlerFn, HttpRequest } from '@angular/common/http';
import { Injectable } from '@angular/core';
import { Observable } from 'rxjs';

import { ObtainedSession, SessionState } from './session';
import { AuthenticationParameters } from './step-up/step-up-request';
import { SignOutNotice } from './tabs/sign-out-notice';

/** What a failed response to a protected request means for the session. */
export type RejectionVerdict =
  /** The credentials were refused: one shared refresh, then one retry. */
  | 'refresh'
  /** The session is gone (the BFF says so): end it everywhere, the caller gets the error. */
  | 'session-ended'
  /** Nothing for the session layer to do: the caller gets the answer as it is. */
  | 'pass';

/** What a mode's {@link SessionBackend.redeem} obtained; only the mode reads it. */
export type Redeemed = unknown;

/** The outcome of a coordinated refresh: the session now current, and who refreshed it. */
export interface CoordinatedRefresh {
  readonly state: SessionState;
  readonly by: 'this-tab' | 'another-tab';
}

/** Where the page goes after a sign-out, and what the user should be told. */
export interface SignOutOutcome {
  readonly navigateTo: string;
  readonly notice: SignOutNotice | null;
}

/**
 * The one seam between the session core and the way tokens are held. The core (session$, the
 * single-flight refresh and its failure policy, the tabs' sign-out epochs, the interceptor's
 * retry and brake, the guard) never asks which mode it runs in; each mode implements this port:
 * browser mode (tokens in the tab, angular-oauth2-oidc for sign-in) and BFF mode (tokens on a
 * backend-for-frontend, an HttpOnly cookie in the browser), each loaded at start-up from the
 * configuration's `mode` among those the app declared (modes.ts).
 */
export abstract class SessionBackend {
  /** Start-up, after the configuration is loaded: restores the session, or finishes a sign-in. */
  abstract start(): Promise<void>;

  /**
   * Leaves for the sign-in page; `returnPath` is where the user lands afterwards. With
   * `authentication` (a step-up) the sign-in asks the provider for those `acr_values` and
   * `max_age`, and its result continues the session: one more generation in browser mode, the
   * same BFF session's next version in BFF mode.
   * @throws ProviderUnreachableError when sign-in cannot start now (the page stays).
   */
  abstract login(returnPath: string, authentication?: AuthenticationParameters): Promise<void>;

  /**
   * Coordinates one refresh of the session with the other tabs as the mode needs (browser mode:
   * under the cross-tab Web Lock, adopting a newer session another tab published; BFF mode: the
   * BFF coordinates, nothing to do here). `basis` is the generation current when the refresh was
   * asked for: a newer one means somebody else has refreshed meanwhile. When it is this tab's turn
   * it calls `refresh(current)` (the core's retries around {@link redeem}) and publishes what that
   * obtained. Errors are thrown as they come; the core's refresher applies the failure policy.
   */
  abstract coordinate(
    basis: number,
    refresh: (current: SessionState) => Promise<Redeemed>,
  ): Promise<CoordinatedRefresh>;

  /**
   * One refresh attempt for `current`, at the provider (browser mode) or the BFF.
   * @throws SessionExpiredError (definitive) or ProviderUnreachableError (transient).
   */
  abstract redeem(current: SessionState): Promise<Redeemed>;

  /** After the local session has ended in every tab: tells the provider, says where to go. */
  abstract signOut(ended: SessionState | null): Promise<SignOutOutcome>;

  /**
   * A session state obtained by something that began before a sign-out, and arrived after it:
   * never stored; the mode lets go of its credentials where it can (browser mode revokes the
   * refresh token, best effort; BFF mode has none in the tab: the BFF ended the session).
   */
  abstract discardLate(late: ObtainedSession): void;

  /**
   * The session reached its idle or lifetime end and has ended in every tab: its holder lets go of
   * it (browser mode revokes the refresh token, best effort; BFF mode ends it at the BFF, or leaves
   * that pending like a sign-out the BFF did not hear).
   */
  abstract ended(state: SessionState): Promise<void>;

  /**
   * "Stay signed in" before an idle end: tells the holder of the session that it is being used
   * (BFF mode: one request, which the BFF counts, answered with the session's new idle end;
   * browser mode: nothing to tell, the tab decides).
   * @throws ProviderUnreachableError when the BFF cannot be reached; SessionExpiredError when it
   * says the session is over.
   */
  abstract keepAlive(): Promise<void>;

  /**
   * The access token of `state`, for code that must call an API itself.
   * @throws TokenUnavailableError where the tab holds no token (BFF mode).
   */
  abstract accessToken(state: SessionState): string;

  /** Whether a request to `url` is one the session protects (gets credentials, is retried). */
  abstract protects(url: string): boolean;

  /**
   * Sends a protected request with the session's credentials: browser mode the access token
   * (with a DPoP proof of its own for a DPoP-bound set), BFF mode the CSRF header.
   */
  abstract send(
    request: HttpRequest<unknown>,
    state: SessionState,
    next: HttpHandlerFn,
  ): Observable<HttpEvent<unknown>>;

  /**
   * Sends a request the session does not protect, as the mode needs it to go: browser mode adds
   * DPoP proofs to its token requests (the code exchange and the refresh); anything else goes
   * as it was made.
   */
  abstract sendUnprotected(
    request: HttpRequest<unknown>,
    next: HttpHandlerFn,
  ): Observable<HttpEvent<unknown>>;

  /** What a failed answer to a protected request means. */
  abstract judge(error: HttpErrorResponse): RejectionVerdict;
}

/** The mode's backend, chosen at start-up; the core reaches it through here. */
@Injectable({ providedIn: 'root' })
export class ActiveSessionBackend {
  private active: SessionBackend | null = null;

  /** False until start-up has loaded the mode (no request is protected before). */
  get isSet(): boolean {
    return this.active !== null;
  }

  get backend(): SessionBackend {
    if (!this.active) throw new Error('[auth] The session is used before start-up chose its mode.');
    return this.active;
  }

  use(backend: SessionBackend): void {
    this.active = backend;
  }
}
