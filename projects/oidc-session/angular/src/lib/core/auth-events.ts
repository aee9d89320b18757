import { Injectable, inject, signal } from '@angular/core';
import { Subject } from 'rxjs';

import { CLOCK } from './platform/clock';

/** What made the session layer ask for a refresh. */
export type RefreshTrigger = 'expiry' | 'rejected' | 'guard' | 'online' | 'startup';

/**
 * Everything the session does, as it happens. Events never carry a token: only times,
 * generations, reasons and (for retried requests) the URL without its query.
 */
export type AuthEvent =
  | { readonly type: 'signed-in'; readonly at: number; readonly generation: number }
  | { readonly type: 'refresh-started'; readonly at: number; readonly trigger: RefreshTrigger }
  | {
      readonly type: 'refresh-succeeded';
      readonly at: number;
      readonly generation: number;
      readonly expiresAt: number;
      /** Who asked the provider: this tab, or another tab whose result this one adopted. */
      readonly by: 'this-tab' | 'another-tab';
    }
  | {
      readonly type: 'refresh-failed-transient';
      readonly at: number;
      readonly reason: string;
      readonly attempts: number;
    }
  | {
      readonly type: 'refresh-failed-definitive';
      readonly at: number;
      readonly reason: string;
      readonly detail?: string;
    }
  | { readonly type: 'request-retried'; readonly at: number; readonly url: string }
  /** An API asked for a stronger sign-in (RFC 9470); the request failed with StepUpRequiredError. */
  | { readonly type: 'step-up-required'; readonly at: number; readonly url: string }
  /** The page leaves for a stronger sign-in: the user's (AuthService.stepUp) or automatic. */
  | {
      readonly type: 'step-up-started';
      readonly at: number;
      readonly acrValues: string | null;
      readonly maxAge: number | null;
      readonly automatic: boolean;
    }
  /** The session ends at `endsAt` (idle or lifetime) unless someone stays signed in. */
  | {
      readonly type: 'session-ending';
      readonly at: number;
      readonly endsAt: number;
      readonly reason: 'idle' | 'lifetime';
    }
  | { readonly type: 'tab-joined'; readonly at: number }
  /** A sign-in went ahead with Bearer tokens because this browser cannot keep a DPoP key. */
  | { readonly type: 'dpop-unavailable'; readonly at: number; readonly reason: string }
  | {
      readonly type: 'session-adopted';
      readonly at: number;
      readonly generation: number;
      readonly source: 'join' | 'refresh-elsewhere' | 'sign-in-elsewhere';
    }
  | {
      readonly type: 'signed-out';
      readonly at: number;
      readonly where: 'here' | 'elsewhere';
      readonly reason: 'logout' | 'expired';
    };

export type AuthEventType = AuthEvent['type'];

type EventBody<T extends AuthEventType> = Omit<Extract<AuthEvent, { type: T }>, 'type' | 'at'>;

const HISTORY_LIMIT = 100;

/** Publishes session events with a timestamp and keeps the most recent ones for the panel. */
@Injectable({ providedIn: 'root' })
export class AuthEventLog {
  private readonly clock = inject(CLOCK);
  private readonly subject = new Subject<AuthEvent>();
  private readonly recentEvents = signal<readonly AuthEvent[]>([]);

  /** Hot stream of events from now on. */
  readonly events$ = this.subject.asObservable();
  /** The last hundred events, oldest first. */
  readonly recent = this.recentEvents.asReadonly();

  emit<T extends AuthEventType>(type: T, body: EventBody<T>): void {
    const event = { type, at: this.clock.now(), ...body } as AuthEvent;
    this.recentEvents.update((events) => [...events.slice(-(HISTORY_LIMIT - 1)), event]);
    this.subject.next(event);
  }
}
