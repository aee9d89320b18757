import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, computed, inject } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { interval, map } from 'rxjs';

import { AuthEvent, AuthService, CLOCK } from '../auth';
import { describeEvent } from './describe-event';

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
  private readonly clock = inject(CLOCK);

  protected readonly session = this.auth.session;
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
  protected readonly refreshCount = computed(
    () => this.auth.recentEvents().filter((event) => event.type === 'refresh-succeeded').length,
  );
  /** Newest first, so the latest step is where people look. */
  protected readonly timeline = computed(() =>
    [...this.auth.recentEvents()].reverse().map((event: AuthEvent) => ({
      at: event.at,
      type: event.type,
      text: describeEvent(event),
    })),
  );
}
