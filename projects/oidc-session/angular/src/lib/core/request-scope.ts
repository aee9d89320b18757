import { Injectable, inject } from '@angular/core';

import { AuthEventLog } from './auth-events';
import { RefusalBrake } from './refusal-brake';
import { ActiveSessionBackend, SessionBackend } from './session-backend';
import { SessionStore } from './tabs/session-store';
import { TokenRefresher } from './token-refresher';

/**
 * What the interceptor needs for every request, resolved once (one `inject()` per request
 * instead of six).
 */
@Injectable({ providedIn: 'root' })
export class RequestScope {
  readonly store = inject(SessionStore);
  readonly refresher = inject(TokenRefresher);
  readonly brake = inject(RefusalBrake);
  readonly events = inject(AuthEventLog);
  private readonly active = inject(ActiveSessionBackend);

  /** The mode's backend (only read once {@link protects} said yes, so start-up has chosen it). */
  get backend(): SessionBackend {
    return this.active.backend;
  }

  /**
   * Whether the request gets the session's credentials: one the mode protects (a configured
   * API), and nothing before start-up has chosen the mode.
   */
  protects(url: string): boolean {
    return this.active.isSet && this.active.backend.protects(url);
  }
}
