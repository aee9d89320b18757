import { Injectable, inject } from '@angular/core';
import { Observable, defer, firstValueFrom, of, shareReplay, tap, throwError } from 'rxjs';

import { AuthConfigStore } from './auth-config-store';
import { AuthError, ProviderUnreachableError, SessionExpiredError } from './auth-errors';
import { AuthEventLog, RefreshTrigger } from './auth-events';
import { AUTH_TIMING } from './auth-timing';
import { CLOCK } from './clock';
import { ObtainedTokens, TokenSet } from './session';
import { delay, retryWhileUnreachable } from './retry-while-unreachable';
import { SessionSharing } from './session-sharing';
import { SessionStore } from './session-store';
import { TAB_SYNC } from './tab-sync';
import { TokenEndpoint } from './token-endpoint';

/** Default leeway: a quarter of the token's lifetime, but never more than this. */
const MAX_DEFAULT_LEEWAY_MS = 30_000;
/**
 * No leeway, configured or not, exceeds this share of the lifetime the provider granted: a
 * leeway at or above the lifetime would make every request refresh.
 */
const MAX_LEEWAY_SHARE = 0.5;

/**
 * The one path to the token endpoint's refresh grant. Single flight: while a refresh runs,
 * every caller (requests before sending, the 401 path, guards, the `online` event) joins the
 * same shared Observable, and across tabs the refresh runs under a Web Lock, adopting a token
 * set another tab has already obtained instead of spending a possibly rotated refresh token.
 */
@Injectable({ providedIn: 'root' })
export class TokenRefresher {
  private readonly store = inject(SessionStore);
  private readonly sharing = inject(SessionSharing);
  private readonly tabs = inject(TAB_SYNC);
  private readonly endpoint = inject(TokenEndpoint);
  private readonly events = inject(AuthEventLog);
  private readonly config = inject(AuthConfigStore);
  private readonly timing = inject(AUTH_TIMING);
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
      return await this.tabs.withRefreshLock(
        () => this.refreshHoldingLock(basis),
        this.timing.refreshLockTimeoutMs,
      );
    } catch (error: unknown) {
      throw this.settle(error);
    }
  }

  private async refreshHoldingLock(basis: number): Promise<TokenSet> {
    // A tab that refreshed just before us posted its token set before releasing the lock; let
    // that message be delivered before deciding that we must refresh ourselves.
    await delay(0);
    const current = this.store.current();
    if (!current) throw new SessionExpiredError('signed_out');
    if (current.generation > basis) return this.adopted(current);
    const newestHeld = await this.tabs.newestHeldGeneration();
    if (newestHeld > current.generation) {
      const newer = await this.sharing.awaitGeneration(newestHeld, this.timing.tabJoinTimeoutMs);
      if (newer) return this.adopted(newer);
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
    if (!current.refreshToken) throw new SessionExpiredError('no_refresh_token');
    const fresh = await this.requestWithRetries(current);
    const published = await this.sharing.publish(fresh, newestHeld);
    this.events.emit('refresh-succeeded', {
      generation: published.generation,
      expiresAt: published.expiresAt,
      by: 'this-tab',
    });
    return published;
  }

  /** Another tab refreshed while we waited for the lock; its result is ours too. */
  private adopted(tokens: TokenSet): TokenSet {
    this.events.emit('refresh-succeeded', {
      generation: tokens.generation,
      expiresAt: tokens.expiresAt,
      by: 'another-tab',
    });
    return tokens;
  }

  private requestWithRetries(current: TokenSet): Promise<ObtainedTokens> {
    return retryWhileUnreachable(() => {
      // A sign-out during the pauses between attempts ends the retries, not only the result.
      if (!this.sharing.isAlive(current)) throw new SessionExpiredError('signed_out');
      return firstValueFrom(this.endpoint.refresh(current));
    }, this.timing.refreshRetryDelaysMs);
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
