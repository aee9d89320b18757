import { DatePipe } from '@angular/common';
import {
  ChangeDetectionStrategy,
  Component,
  DestroyRef,
  computed,
  inject,
  signal,
} from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { Subscription, interval, map } from 'rxjs';

import { ResourceApi, describeFailure } from '../api/resource-api';
import {
  AuthEvent,
  AuthService,
  CLOCK,
  diagnoseSignInFailure,
  SignInDiagnosis,
} from '@oidc-session/angular';
import { describeEvent } from './describe-event';

/** Below this the estimate is latency and rounding, not a wrong clock. */
const CLOCK_OFFSET_SHOWN_MS = 5_000;

/**
 * "1 h 30 min", "5 min", "12 s": to the nearest minute from a minute up (the estimate carries a
 * second or so of latency and rounding, so more precision would only be noise).
 */
function describeDuration(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  const minutes = Math.round(ms / 60_000);
  const [hours, rest] = [Math.floor(minutes / 60), minutes % 60];
  if (hours === 0) return `${rest} min`;
  return rest > 0 ? `${hours} h ${rest} min` : `${hours} h`;
}

/** How often "keep calling the API" calls it: often enough to cross an expiry while watching. */
const STEADY_CALL_INTERVAL_MS = 2_000;

/**
 * The session's life, live: who is signed in, the countdown to access-token expiry, whether a
 * refresh token is held, how many refreshes happened, and a timeline of session events.
 * Watching it for one token lifetime shows the whole refresh story. It never shows a token.
 */
@Component({
  selector: 'app-session-panel',
  imports: [DatePipe],
  templateUrl: './session-panel.html',
  styleUrl: './session-panel.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class SessionPanel {
  private readonly auth = inject(AuthService);
  private readonly api = inject(ResourceApi);
  private readonly clock = inject(CLOCK);
  private steadyCalls: Subscription | null = null;

  protected readonly session = this.auth.session;
  /**
   * Where the tokens are, from the session (or the configuration when signed out): the panel
   * says only what is true of that mode.
   */
  protected readonly heldBy = computed<'tab' | 'server'>(
    () => this.session()?.heldBy ?? (this.auth.config.mode === 'bff' ? 'server' : 'tab'),
  );
  protected readonly sharedAcrossTabs = this.auth.sharedAcrossTabs;
  private readonly now = toSignal(interval(250).pipe(map(() => this.clock.now())), {
    initialValue: this.clock.now(),
  });

  /** Whole seconds until the access token expires (negative once it has). */
  protected readonly secondsLeft = computed(() => {
    const session = this.session();
    return session ? Math.ceil((session.expiresAt - this.now()) / 1000) : null;
  });
  protected readonly lifetimeSeconds = computed(() => {
    const session = this.session();
    return session ? Math.round((session.expiresAt - session.receivedAt) / 1000) : null;
  });
  /**
   * How far this device's clock is from the provider's, when more than a few seconds: a support
   * person sees a wrong clock at a glance (the session itself does not depend on it).
   */
  protected readonly clockOffset = computed(() => {
    const offset = this.session()?.providerClockOffsetMs;
    if (offset === null || offset === undefined || Math.abs(offset) < CLOCK_OFFSET_SHOWN_MS) {
      return null;
    }
    const direction = offset > 0 ? 'behind' : 'ahead of';
    return `about ${describeDuration(Math.abs(offset))} ${direction} the identity provider's`;
  });
  /** Refreshes this tab asked the provider for, and results it adopted from other tabs. */
  protected readonly refreshCounts = computed(() => {
    const refreshes = this.auth
      .recentEvents()
      .filter((event) => event.type === 'refresh-succeeded');
    const own = refreshes.filter((event) => event.by === 'this-tab').length;
    return { own, adopted: refreshes.length - own };
  });
  /** Outcome of the last API call made from the panel. */
  protected readonly lastCall = signal<string | null>(null);
  /** Which provider setting the last failure (sign-in, refresh or panel call) likely points at. */
  protected readonly diagnosis = computed<SignInDiagnosis | null>(() => {
    const failures = [
      this.lastCall()?.includes('failed') ? this.lastCall() : null,
      this.auth.loginError()?.message,
      ...this.auth
        .recentEvents()
        .filter(
          (event) =>
            event.type === 'refresh-failed-definitive' || event.type === 'refresh-failed-transient',
        )
        .map((event) => ('detail' in event && event.detail) || event.reason)
        .reverse(),
    ];
    for (const failure of failures) {
      const found = failure ? diagnoseSignInFailure(failure) : null;
      if (found) return found;
    }
    return null;
  });
  protected readonly callingSteadily = signal(false);

  constructor() {
    inject(DestroyRef).onDestroy(() => this.steadyCalls?.unsubscribe());
  }

  /** One API request: a refresh happens first if the token is due, like any app request. */
  protected callApi(): void {
    const started = this.clock.now();
    this.api.me().subscribe({
      next: (me) =>
        this.lastCall.set(`GET /api/me answered ${me.name} after ${this.clock.now() - started} ms`),
      error: (error: unknown) => this.lastCall.set(`GET /api/me failed: ${describeFailure(error)}`),
    });
  }

  protected toggleSteadyCalls(on: boolean): void {
    this.steadyCalls?.unsubscribe();
    this.steadyCalls = on
      ? interval(STEADY_CALL_INTERVAL_MS).subscribe(() => this.callApi())
      : null;
    this.callingSteadily.set(on);
    if (on) this.callApi();
  }

  /** Newest first, so the latest step is where people look. */
  protected readonly timeline = computed(() =>
    [...this.auth.recentEvents()].reverse().map((event: AuthEvent) => ({
      at: event.at,
      type: event.type,
      text: describeEvent(event, this.heldBy()),
    })),
  );
}
