import { DestroyRef, Injectable, inject } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { BehaviorSubject, filter } from 'rxjs';

import { KeyValueStorage, LOCAL_STORAGE } from '../platform/browser-storage';
import { TAB_SYNC, TabMessage } from '../tabs/tab-sync';

/** localStorage key: when the session was last used in any tab (epoch ms; not a secret). */
const LAST_ACTIVITY_KEY = 'oidc-session.last-activity';

/**
 * Activity is told to the other tabs at most this often: the idle end moves in steps of this size,
 * not with every key press.
 */
export const ACTIVITY_STEP_MS = 1_000;

/**
 * When the session was last used, in any tab: the one value every tab computes its idle end from,
 * so that all agree. Kept in localStorage (a tab opened later reads it; a tab reopened after the
 * idle timeout finds its session over) and sent to the open tabs; each keeps the newest it heard.
 */
@Injectable({ providedIn: 'root' })
export class SharedActivity {
  private readonly tabs = inject(TAB_SYNC);
  private readonly storage: KeyValueStorage | null = inject(LOCAL_STORAGE);
  private readonly latest = new BehaviorSubject<number>(this.stored());

  /** Epoch ms of the last activity any tab recorded (0: none known); replays the latest. */
  readonly lastAt$ = this.latest.asObservable();

  constructor() {
    this.tabs
      .messages()
      .pipe(
        filter(
          (message): message is Extract<TabMessage, { kind: 'activity' }> =>
            message.kind === 'activity',
        ),
        takeUntilDestroyed(inject(DestroyRef)),
      )
      .subscribe(({ at }) => this.adopt(at));
  }

  get lastAt(): number {
    return this.latest.value;
  }

  /**
   * The session was used at `at` (this device's clock): a user's input, "Stay signed in", a
   * sign-in, or (BFF mode) the BFF's word that a request counted. Told to every tab unless it
   * moves nothing.
   */
  record(at: number): void {
    if (at < this.latest.value + ACTIVITY_STEP_MS) return;
    this.adopt(at);
    try {
      this.storage?.setItem(LAST_ACTIVITY_KEY, String(at));
    } catch {
      // A full or blocked storage: the open tabs still hear it.
    }
    this.tabs.post({ kind: 'activity', at });
  }

  private adopt(at: number): void {
    if (at > this.latest.value) this.latest.next(at);
  }

  private stored(): number {
    try {
      const value = Number(this.storage?.getItem(LAST_ACTIVITY_KEY));
      return Number.isSafeInteger(value) && value > 0 ? value : 0;
    } catch {
      return 0;
    }
  }
}
