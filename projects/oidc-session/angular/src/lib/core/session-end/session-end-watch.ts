import { DOCUMENT, DestroyRef, Injectable, inject, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { Observable, combineLatest, distinctUntilChanged, filter, map, shareReplay } from 'rxjs';

import { AuthEventLog } from '../auth-events';
import { AuthConfigStore } from '../config/auth-config-store';
import { AUTH_TIMING } from '../config/auth-timing';
import { CLOCK } from '../platform/clock';
import { ActiveSessionBackend } from '../session-backend';
import { SessionStore } from '../tabs/session-store';
import { SessionSharing } from '../tabs/session-sharing';
import { TAB_SYNC } from '../tabs/tab-sync';
import { TokenRefresher } from '../token-refresher';
import { SessionEnd, SessionState } from '../session';
import { sessionEndOf } from './session-end-of';
import { SharedActivity } from './shared-activity';

/**
 * The longest the watch sleeps before it looks at the clock again, whatever the end: a timer is
 * real time, and the device clock may be set meanwhile.
 */
const LONGEST_WAIT_MS = 60 * 60_000;

/** A user's input that counts as using the session, where the tab decides the idle end. */
const INPUT_EVENTS = ['pointerdown', 'keydown', 'wheel', 'touchstart'] as const;

/**
 * The end of the session, known and announced: computes when it ends (the same in every tab),
 * warns `sessionWarningSeconds` before (the `session-ending` event and {@link ending}), and when
 * the end comes ends it by the usual rules, once: every tab signs out and goes to
 * `/login?returnUrl=…`, and the holder of the session lets go of it. One timer, for the next
 * moment that matters (the warning, then the end), set again whenever the end moves; a device that
 * slept past the end ends the session as it wakes, when the overdue timer fires.
 */
@Injectable({ providedIn: 'root' })
export class SessionEndWatch {
  private readonly store = inject(SessionStore);
  private readonly activity = inject(SharedActivity);
  private readonly clock = inject(CLOCK);
  private readonly config = inject(AuthConfigStore);
  private readonly events = inject(AuthEventLog);
  private readonly refresher = inject(TokenRefresher);
  private readonly active = inject(ActiveSessionBackend);
  private readonly tabs = inject(TAB_SYNC);
  private readonly sharing = inject(SessionSharing);
  private readonly timing = inject(AUTH_TIMING);
  private readonly document = inject(DOCUMENT);
  private readonly destroyRef = inject(DestroyRef);
  private readonly endingNow = signal<SessionEnd | null>(null);
  private watching = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** The end the last `session-ending` event was for: one event per end. */
  private warnedFor: number | null = null;
  /** The generation being ended here: the end is acted on once. */
  private endingGeneration: number | null = null;

  /** When the session ends if nothing happens (null: nothing known); replays the latest. */
  readonly end$: Observable<SessionEnd | null> = combineLatest([
    this.store.tokens$,
    this.activity.lastAt$,
  ]).pipe(
    map(([state, lastAt]) => sessionEndOf(state, lastAt)),
    distinctUntilChanged((a, b) => a?.at === b?.at && a?.reason === b?.reason),
    shareReplay({ bufferSize: 1, refCount: false }),
  );

  /** Non-null from the warning time before the end until the session ends or moves its end. */
  readonly ending = this.endingNow.asReadonly();

  /** Starts watching (the browser, after start-up). Idempotent. */
  watch(): void {
    if (this.watching) return;
    this.watching = true;
    const window = this.document.defaultView;
    for (const type of INPUT_EVENTS) {
      const listener = () => this.onInput();
      window?.addEventListener(type, listener, { capture: true, passive: true });
      this.destroyRef.onDestroy(() => window?.removeEventListener(type, listener, true));
    }
    // A sign-in is the first use of its session.
    this.events.events$
      .pipe(
        filter((event) => event.type === 'signed-in'),
        takeUntilDestroyed(this.destroyRef),
      )
      .subscribe(() => this.recordActivity());
    this.end$.pipe(takeUntilDestroyed(this.destroyRef)).subscribe(() => this.check());
    this.destroyRef.onDestroy(() => this.clearTimer());
  }

  /** "Stay signed in" where the tab decides the idle end: the user used the session now. */
  recordActivity(): void {
    if (this.store.current()?.heldBy === 'tab') this.activity.record(this.clock.now());
  }

  /**
   * Looks at the clock: warns when due, ends the session when its end has come, and sets the
   * timer for the next moment that matters.
   */
  check(): void {
    this.clearTimer();
    const state = this.store.current();
    const end = sessionEndOf(state, this.activity.lastAt);
    const now = this.clock.now();
    if (!state || !end) {
      this.endingNow.set(null);
      return;
    }
    if (now >= end.at) {
      void this.end(state, end);
      return;
    }
    const warnAt = end.at - this.warningMs();
    if (now < warnAt) {
      this.endingNow.set(null);
    } else {
      if (this.endingNow()?.at !== end.at) this.endingNow.set(end);
      if (this.warnedFor !== end.at) {
        this.warnedFor = end.at;
        this.events.emit('session-ending', { endsAt: end.at, reason: end.reason });
      }
    }
    if (!this.watching) return;
    const next = now < warnAt ? warnAt : end.at;
    this.timer = setTimeout(() => this.check(), Math.min(next - now, LONGEST_WAIT_MS));
  }

  private warningMs(): number {
    return this.config.isLoaded ? this.config.current.sessionWarningSeconds * 1000 : 0;
  }

  private clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private onInput(): void {
    // Only where this tab decides the idle end; the BFF counts the requests that reach it.
    const state = this.store.current();
    if (state?.heldBy === 'tab' && state.idleTimeoutMs !== undefined) this.recordActivity();
  }

  /**
   * Ends the session that reached its end, once across the tabs: under the tabs' refresh lock the
   * first tab finds it still current, ends it in every tab, and has its holder let go of it
   * (browser mode: the refresh token is revoked; BFF mode: the BFF ends it); the others find it
   * gone by then, ended by the message.
   */
  private async end(state: SessionState, end: SessionEnd): Promise<void> {
    if (this.endingGeneration === state.generation) return;
    this.endingGeneration = state.generation;
    this.endingNow.set(null);
    const reason = end.reason === 'idle' ? 'idle_timeout' : 'lifetime_reached';
    try {
      await this.tabs.withRefreshLock(async () => {
        const current = this.store.current();
        // Another tab ended it (its message may still be on its way; the record of it is not),
        // or something moved the end meanwhile (activity elsewhere).
        if (current?.generation !== state.generation || !this.sharing.isAlive(current)) return;
        const now = sessionEndOf(current, this.activity.lastAt);
        if (now && now.at > this.clock.now()) return;
        this.refresher.sessionReachedEnd(reason);
        await this.active.backend.ended(current);
      }, this.timing.refreshLockTimeoutMs);
    } catch {
      // The lock was not granted in time: end it here at least; the holder's own end is near.
      if (this.store.current()?.generation === state.generation) {
        this.refresher.sessionReachedEnd(reason);
      }
    } finally {
      if (this.store.current()?.generation === state.generation) this.endingGeneration = null;
    }
  }
}
