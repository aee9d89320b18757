import { Injectable, inject } from '@angular/core';

import { AuthEventLog } from './auth-events';
import { RefusalBrake } from './refusal-brake';
import { ActiveSessionBackend, SessionBackend } from './session-backend';
import { TransferredAnswers } from './server/transferred-answers';
import { StepUpStarter } from './step-up/step-up-starter';
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
  readonly transferred = inject(TransferredAnswers);
  readonly stepUp = inject(StepUpStarter);
  private readonly active = inject(ActiveSessionBackend);

  /** The mode's backend (only read once {@link started} is true). */
  get backend(): SessionBackend {
    return this.active.backend;
  }

  /** False until start-up has chosen the mode: until then no request is the session's. */
  get started(): boolean {
    return this.active.isSet;
  }
}
