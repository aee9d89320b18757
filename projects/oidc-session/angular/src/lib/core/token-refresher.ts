import { Injectable, inject } from '@angular/core';
import { Observable, defer, of, shareReplay, tap, throwError } from 'rxjs';

import { AuthConfigStore } from './config/auth-config-store';
import { AuthError, SessionExpiredError } from './auth-errors';
import { AuthEventLog, RefreshTrigger } from './auth-events';
import { CLOCK } from './platform/clock';
import { SessionState } from './session';
import { AUTH_TIMING } from './config/auth-timing';
import { classifyRefreshFailure } from './failure-policy';
import { retryWhileUnreachable } from './retry-while-unreachable';
import { ActiveSessionBackend, Redeemed, SessionBackend } from './session-backend';
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
 * sending, the 401 path, guards, the `online` event) joins the same shared Observable. The mode
 * only coordinates (browser mode: the cross-tab Web Lock, adopting a session another tab already
 * obtained; BFF mode: the version check) and redeems one attempt; the retries, the liveness check
 * between them, the events and the failure policy are all here.
 */
@Injectable({ providedIn: 'root' })
export class TokenRefresher {
  private readonly store = inject(SessionStore);
  private readonly sharing = inject(SessionSharing);
  private readonly active = inject(ActiveSessionBackend);
  private readonly events = inject(AuthEventLog);
  private readonly config = inject(AuthConfigStore);
  private readonly clock = inject(CLOCK);
  private readonly timing = inject(AUTH_TIMING);
  private flight: Observable<SessionState> | null = null;
  /** Errors the policy has been applied to (an error settled inside coordination passes the outer catch too). */
  private readonly settled = new WeakSet<AuthError>();

  /**
   * The current token set when its access token has more than the leeway left, else the
   * shared refresh; null when signed out. Checked on every call, never by a timer, so a laptop
   * that slept past expiry refreshes before its first request.
   */
  freshTokens(trigger: RefreshTrigger): Observable<SessionState | null> {
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
  afterRejection(rejected: SessionState): Observable<SessionState> {
    return defer(() => {
      const tokens = this.store.current();
      if (!tokens) return throwError(() => new SessionExpiredError('signed_out'));
      return tokens.generation === rejected.generation ? this.refresh('rejected') : of(tokens);
    });
  }

  /** Whether the access token is inside the leeway before its expiry (or past it). */
  needsRefresh(tokens: SessionState): boolean {
    return this.clock.now() >= tokens.expiresAt - this.leewayMs(tokens);
  }

  /** Joins the refresh in flight, or starts one. */
  refresh(trigger: RefreshTrigger): Observable<SessionState> {
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

  private leewayMs(tokens: SessionState): number {
    const lifetime = tokens.expiresAt - tokens.receivedAt;
    const configured = this.config.isLoaded ? this.config.current.leewaySeconds : null;
    const wanted =
      configured !== null ? configured * 1000 : Math.min(MAX_DEFAULT_LEEWAY_MS, lifetime / 4);
    return Math.min(wanted, lifetime * MAX_LEEWAY_SHARE);
  }

  private async run(trigger: RefreshTrigger, basis: number): Promise<SessionState> {
    this.events.emit('refresh-started', { trigger });
    const backend = this.active.backend;
    try {
      const { state, by } = await backend.coordinate(basis, (current) =>
        // Settled inside the mode's coordination: a refused refresh token is announced to every
        // tab before the next one may take its turn (browser mode: before the lock is released).
        this.attempt(backend, current).catch((error: unknown) => {
          throw this.settle(error);
        }),
      );
      this.events.emit('refresh-succeeded', {
        generation: state.generation,
        expiresAt: state.expiresAt,
        by,
      });
      return state;
    } catch (error: unknown) {
      throw this.settle(error);
    }
  }

  /** Redeems with retries while the provider (or BFF) is unreachable, while the session lives. */
  private attempt(backend: SessionBackend, current: SessionState): Promise<Redeemed> {
    return retryWhileUnreachable(() => {
      // A sign-out during the pauses between attempts ends the retries, not only the result.
      if (!this.sharing.isAlive(current)) throw new SessionExpiredError('signed_out');
      return backend.redeem(current);
    }, this.timing.refreshRetryDelaysMs);
  }

  /**
   * The server that holds the session says it is gone (bff mode: `no_session`, `session_ended`):
   * ends it in every tab, as a definitive refresh failure would.
   */
  /** The session reached its idle or lifetime end (SessionEndWatch): it ends in every tab. */
  sessionReachedEnd(reason: 'idle_timeout' | 'lifetime_reached'): SessionExpiredError {
    return this.settle(new SessionExpiredError(reason)) as SessionExpiredError;
  }

  sessionEndedByServer(detail: string): SessionExpiredError {
    return this.settle(new SessionExpiredError('ended_by_server', detail)) as SessionExpiredError;
  }

  /**
   * The one place a failed refresh ends a session: applies the failure policy once per error and
   * returns the error every waiting caller receives.
   */
  private settle(error: unknown): AuthError {
    if (error instanceof AuthError && this.settled.has(error)) return error;
    const failure = classifyRefreshFailure(error);
    this.settled.add(failure.error);
    if (failure.kind === 'transient') {
      this.events.emit('refresh-failed-transient', {
        reason: failure.error.reason,
        attempts: failure.error.attempts,
      });
      return failure.error;
    }
    const { reason, detail } = failure.error;
    this.events.emit('refresh-failed-definitive', { reason, detail });
    if (failure.ends === 'none') return failure.error;
    if (failure.ends === 'every-tab') this.sharing.expireEverywhere();
    else this.sharing.endHere();
    this.events.emit('signed-out', { where: 'here', reason: 'expired' });
    return failure.error;
  }
}
