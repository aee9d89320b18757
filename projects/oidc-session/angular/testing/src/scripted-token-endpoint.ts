import { Injectable, inject } from '@angular/core';
import { Observable, Subject, defer, first, map, of, throwError } from 'rxjs';

import {
  CLOCK,
  ɵObtainedSession as ObtainedSession,
  ProviderUnreachableError,
  SessionExpiredError,
  ɵSessionState as SessionState,
} from '@oidc-session/angular';
import { ɵTokenEndpoint as TokenEndpoint } from '@oidc-session/angular/browser';

/**
 * How the fake token endpoint answers one refresh. `held`: the provider has answered (the token
 * is rotated) but the answer reaches the tab only at {@link ScriptedTokenEndpoint.releaseHeld}.
 */
export type ScriptedRefreshAnswer =
  'success' | 'invalid_grant' | 'network-error' | 'server-error' | 'held';

/**
 * A token endpoint that answers from a script (default: success), counts refreshes, and
 * issues numbered tokens (`access-token-1`, `refresh-token-1`, ...).
 */
@Injectable()
export class ScriptedTokenEndpoint extends TokenEndpoint {
  private readonly clock = inject(CLOCK);
  private readonly script: ScriptedRefreshAnswer[] = [];
  private issued = 0;
  /** Access-token lifetime of issued tokens, seconds. */
  lifetimeSeconds = 300;
  /** Refresh requests received so far. */
  refreshCount = 0;
  /** Refresh tokens revoked so far. */
  readonly revoked: string[] = [];
  private readonly released = new Subject<void>();

  /** Queues answers for the next refreshes; once used up, refreshes succeed. */
  answer(...answers: ScriptedRefreshAnswer[]): void {
    this.script.push(...answers);
  }

  refresh(tokens: SessionState): Observable<ObtainedSession> {
    return defer(() => {
      this.refreshCount++;
      switch (this.script.shift() ?? 'success') {
        case 'invalid_grant':
          return throwError(() => new SessionExpiredError('refresh_rejected', 'invalid_grant'));
        case 'network-error':
          return throwError(() => new ProviderUnreachableError('network'));
        case 'server-error':
          return throwError(() => new ProviderUnreachableError('server_error', 503));
        case 'success':
          return of(this.issue(tokens));
        case 'held': {
          const answer = this.issue(tokens);
          return this.released.pipe(
            first(),
            map(() => answer),
          );
        }
      }
    });
  }

  /** Delivers every `held` answer. */
  releaseHeld(): void {
    this.released.next();
  }

  revoke(refreshToken: string): Observable<void> {
    this.revoked.push(refreshToken);
    return of(undefined);
  }

  private issue(previous: SessionState): ObtainedSession {
    this.issued++;
    const now = this.clock.now();
    return {
      credentials: {
        accessToken: `access-token-${this.issued}`,
        refreshToken: `refresh-token-${this.issued}`,
        // A scripted BFF refresh presents no credentials of the tab's.
        idToken: previous.credentials?.['idToken'] ?? null,
        tokenType: null,
      },
      canRefresh: true,
      heldBy: 'tab',
      claims: previous.claims,
      receivedAt: now,
      expiresAt: now + this.lifetimeSeconds * 1000,
      epoch: previous.epoch,
    };
  }
}
