import { Injectable, inject } from '@angular/core';
import { Observable, defer, of, shareReplay, tap, throwError } from 'rxjs';

import { AuthConfigStore } from './config/auth-config-store';
import { AuthError, ProviderUnreachableError, SessionExpiredError } from './auth-errors';
import { AuthEventLog, RefreshTrigger } from './auth-events';
import { CLOCK } from './platform/clock';
import { TokenSet } from './session';
import { ActiveSessionBackend } from './session-backend';
import { SessionSharing } from './tabs/session-sharing';
import { SessionStore } from './tabs/session-store';

/** Default leeway: a quarter of the token's lifetime, but never more than this. */
const MAX_DEFAULT_LEEWAY_MS = 30_000;
/**
 * No leeway, configured or not, exceeds this share of the lifetime the provider granted: a
 * leeway at or above the lifetime would make every request refresh.
 */
const MAX_LEEWAY_SHARE = 0.5;

/**
 * The one refresh path. Single flight: while a refresh runs, every caller (requests before
 * sending, the 401 path, guards, the `online` event) joins the same shared Observable; the mode's
 * backend does the refresh itself (browser mode under a cross-tab Web Lock, adopting a token set
 * another tab already obtained; bff mode with one call to the BFF), and the failure policy here
 * decides what its failure means for the session.
 */
@Injectable({ providedIn: 'root' })
export class TokenRefresher {
  private readonly store = inject(SessionStore);
  private readonly sharing = inject(SessionSharing);
  private readonly active = inject(ActiveSessionBackend);
  private readonly events = inject(AuthEventLog);
  private readonly config = inject(AuthConfigStore);
  private readonly clock = inject(CLOCK);
  private flight: Observable<TokenSet> | null = null;

  /**
   * The current token set when its access token has more than the leeway left, else the
   * shared refresh; null when signed out. Checked on every call, never by a timer, so a laptop
   * that slept past expiry refreshes before its first request.
   */
  freshTokens(trigger: RefreshTrigger): Observable<TokenSet | null> {
    return defer(() => {
      const tokens = this.store.current();
      if (!tokens) return of(null);
      return this.needsRefresh(tokens) ? this.refresh(trigger) : of(tokens);
    });
  }

  /**
   * After an API answered 401 to the access token of `rejected`: the newer token set if someone
   * has already refreshed since, else the shared refresh.
   */
  afterRejection(rejected: TokenSet): Observable<TokenSet> {
    return defer(() => {
      const tokens = this.store.current();
      if (!tokens) return throwError(() => new SessionExpiredError('signed_out'));
      return tokens.generation === rejected.generation ? this.refresh('rejected') : of(tokens);
    });
  }

  /** Whether the access token is inside the leeway before its expiry (or past it). */
  needsRefresh(tokens: TokenSet): boolean {
    return this.clock.now() >= tokens.expiresAt - this.leewayMs(tokens);
  }

  /** Joins the refresh in flight, or starts one. */
  refresh(trigger: RefreshTrigger): Observable<TokenSet> {
    if (!this.flight) {
      const basis = this.store.current()?.generation ?? 0;
      const done = () => (this.flight = null);
      this.flight = defer(() => this.run(trigger, basis)).pipe(
        // Cleared before subscribers hear the outcome, so a caller reacting to it starts anew.
        tap({ error: done, complete: done }),
        // refCount false: a caller that gives up (navigates away) must not abort the token
        // request the others wait for; the result is adopted whoever is still listening.
        shareReplay({ bufferSize: 1, refCount: false }),
      );
    }
    return this.flight;
  }

  private leewayMs(tokens: TokenSet): number {
    const lifetime = tokens.expiresAt - tokens.receivedAt;
    const configured = this.config.isLoaded ? this.config.current.leewaySeconds : null;
    const wanted =
      configured !== null ? configured * 1000 : Math.min(MAX_DEFAULT_LEEWAY_MS, lifetime / 4);
    return Math.min(wanted, lifetime * MAX_LEEWAY_SHARE);
  }

  private async run(trigger: RefreshTrigger, basis: number): Promise<TokenSet> {
    this.events.emit('refresh-started', { trigger });
    try {
      return await this.active.backend.refresh(basis);
    } catch (error: unknown) {
      throw this.settle(error);
    }
  }

  /**
   * The server that holds the session says it is gone (bff mode: `no_session`, `session_ended`):
   * ends it in every tab, as a definitive refresh failure would.
   */
  sessionEndedByServer(detail: string): SessionExpiredError {
    return this.settle(new SessionExpiredError('ended_by_server', detail)) as SessionExpiredError;
  }

  /** Applies the failure policy and returns the error every waiting caller receives. */
  private settle(error: unknown): AuthError {
    if (error instanceof SessionExpiredError) {
      this.events.emit('refresh-failed-definitive', { reason: error.reason, detail: error.detail });
      if (error.reason === 'superseded') {
        this.sharing.endHere();
        this.events.emit('signed-out', { where: 'here', reason: 'expired' });
      } else if (error.reason !== 'signed_out') {
        this.sharing.expireEverywhere();
        this.events.emit('signed-out', { where: 'here', reason: 'expired' });
      }
      return error;
    }
    // Anything else (no answer, 5xx, 429, a timeout, waiting too long for another tab's
    // lock) leaves the session as it is: only the waiting requests fail.
    const transient =
      error instanceof ProviderUnreachableError ? error : new ProviderUnreachableError('timeout');
    this.events.emit('refresh-failed-transient', {
      reason: transient.reason,
      attempts: transient.attempts,
    });
    return transient;
  }
}
