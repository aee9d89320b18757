import { DestroyRef, Injectable, inject } from '@angular/core';
import { Subject, filter, firstValueFrom, map, race, takeUntil, timer } from 'rxjs';

import { SessionExpiredError } from '../auth-errors';
import { AuthEventLog } from '../auth-events';
import { KeyValueStorage, SESSION_STORAGE } from '../platform/browser-storage';
import { RefusalBrake } from '../refusal-brake';
import { ObtainedSession, SessionState } from '../session';
import { ActiveSessionBackend } from '../session-backend';
import { SessionStore } from './session-store';
import { TAB_SYNC, TabMessage } from './tab-sync';

/** sessionStorage key: the sign-out epoch in force when this tab left for the provider's sign-in. */
const SIGN_IN_EPOCH_KEY = 'oidc-session.sign-in-epoch';

/**
 * Keeps every tab on the same token set: hands new sets to the other tabs, adopts theirs,
 * answers tabs that join, and ends the session everywhere at once.
 *
 * Sign-out wins over everything that began before it. Each sign-out moves the origin's
 * sign-out epoch on (kept in localStorage and sent to every tab); a token set carries the epoch
 * in which the sign-in or refresh that produced it began, and a set of an older epoch is never
 * stored, adopted or handed over: when one arrives late its refresh token is revoked instead.
 * Two tabs signing out at once may pick the same epoch; that is harmless, since both are
 * newer than every set obtained before either sign-out.
 */
@Injectable({ providedIn: 'root' })
export class SessionSharing {
  private readonly tabs = inject(TAB_SYNC);
  private readonly store = inject(SessionStore);
  private readonly events = inject(AuthEventLog);
  private readonly active = inject(ActiveSessionBackend);
  private readonly brake = inject(RefusalBrake);
  private readonly sessionStorage: KeyValueStorage | null = inject(SESSION_STORAGE);
  private readonly receivedSets = new Subject<SessionState>();
  private readonly destroyed = new Subject<void>();
  private connected = false;
  /** True while start-up waits for an open tab to hand over the session. */
  private joining = false;
  /** The newest sign-out epoch this tab has heard of (the stored one may lag behind a message). */
  private epochSeen = 0;
  /** Generation of the last definitive refresh failure; that set and older ones are dead. */
  private expiredGeneration = 0;

  constructor() {
    inject(DestroyRef).onDestroy(() => {
      this.destroyed.next();
      this.destroyed.complete();
    });
  }

  /** Whether the tabs really share (false in the per-tab fallback). */
  get shared(): boolean {
    return this.tabs.shared;
  }

  /** Starts listening to the other tabs. Idempotent. */
  connect(): void {
    if (this.connected) return;
    this.connected = true;
    this.tabs
      .messages()
      .pipe(takeUntil(this.destroyed))
      .subscribe((message) => this.onMessage(message));
  }

  /** The sign-out epoch in force now; token sets of an older one are dead. */
  currentEpoch(): number {
    this.epochSeen = Math.max(this.epochSeen, this.tabs.storedSignOutEpoch());
    return this.epochSeen;
  }

  /** Whether no sign-out or definitive failure has ended `tokens` (they may still be expired). */
  isAlive(
    tokens: Pick<SessionState, 'epoch'> & Partial<Pick<SessionState, 'generation' | 'heldBy'>>,
  ): boolean {
    if (tokens.epoch < this.currentEpoch()) return false;
    // A server-held session (bff mode) numbers its versions per session and is itself the
    // authority on whether it lives; the refused-refresh record guards refresh tokens in tabs.
    if (tokens.generation === undefined || tokens.heldBy === 'server') return true;
    this.expiredGeneration = Math.max(this.expiredGeneration, this.tabs.storedExpiredGeneration());
    return tokens.generation > this.expiredGeneration;
  }

  /** Called as this tab leaves for the provider's sign-in page. */
  recordSignInStart(): void {
    try {
      this.sessionStorage?.setItem(SIGN_IN_EPOCH_KEY, String(this.currentEpoch()));
    } catch {
      // Without it the returning sign-in counts as started now; nonce and PKCE still bind it.
    }
  }

  /** The epoch a sign-in coming back now was started in (and forgets it: it is used once). */
  takeSignInEpoch(): number {
    const stored = this.sessionStorage?.getItem(SIGN_IN_EPOCH_KEY) ?? null;
    this.sessionStorage?.removeItem(SIGN_IN_EPOCH_KEY);
    return stored !== null && /^\d+$/.test(stored) ? Number(stored) : this.currentEpoch();
  }

  /**
   * Start-up: decides between the token set this tab stored, the live one of another tab,
   * and none. A stored set that another tab has since replaced is never made current: its
   * refresh token may already be rotated, and presenting it would look like a replay.
   */
  async join(stored: SessionState | null, timeoutMs: number): Promise<SessionState | null> {
    if (stored && !this.isAlive(stored)) stored = null;
    const newestHeld = await this.tabs.newestHeldGeneration();
    if (stored && stored.generation >= newestHeld) {
      const replacedByClosedTab =
        newestHeld === 0 && stored.generation < this.tabs.lastAllocatedGeneration();
      if (!replacedByClosedTab) {
        await this.makeCurrent(stored);
        return stored;
      }
    } else if (newestHeld > 0) {
      this.joining = true;
      try {
        const live = await this.awaitGeneration(newestHeld, timeoutMs);
        if (live) return live;
      } finally {
        this.joining = false;
      }
    }
    this.store.clear();
    return null;
  }

  /**
   * A token set this tab obtained (sign-in or refresh): gives it the next generation, stores
   * it, hands it to every tab and claims its generation. Callers hold the refresh lock, so
   * the set is out before any other tab can look for it.
   * @throws SessionExpiredError `signed_out` when a sign-out came first; the set's refresh token
   * is then revoked, not stored.
   */
  async publish(tokens: ObtainedSession, newestKnown: number): Promise<SessionState> {
    if (!this.isAlive(tokens)) {
      this.revokeLate(tokens);
      throw new SessionExpiredError('signed_out', 'a sign-out came first');
    }
    const floor = Math.max(newestKnown, this.store.current()?.generation ?? 0);
    const published: SessionState = { ...tokens, generation: this.tabs.nextGeneration(floor) };
    // Stored and sent before the lock is claimed: a failing claim must not lose a rotated token.
    this.store.replace(published);
    this.tabs.post({ kind: 'session', tokens: published });
    await this.tabs.holdGeneration(published.generation);
    return published;
  }

  /**
   * A session state whose version the server gave (bff mode): made current and handed to every
   * tab, unless a sign-out came first or this tab already holds that version or a newer one.
   * @throws SessionExpiredError `signed_out` when a sign-out came first.
   */
  async publishVersioned(state: SessionState): Promise<SessionState> {
    if (!this.isAlive(state)) throw new SessionExpiredError('signed_out', 'a sign-out came first');
    const current = this.store.current();
    if (current && current.generation > state.generation) return current;
    this.store.replace(state);
    this.tabs.post({ kind: 'session', tokens: state });
    await this.tabs.holdGeneration(state.generation);
    return state;
  }

  /**
   * The user signs out: ends the session in this tab and in every other tab at once, and
   * makes every token set obtained before now unusable wherever it turns up.
   */
  signOutEverywhere(): void {
    const revokedGeneration = this.store.current()?.generation ?? 0;
    const epoch = this.currentEpoch() + 1;
    this.epochSeen = epoch;
    this.tabs.storeSignOutEpoch(epoch);
    this.endHere();
    this.tabs.post({ kind: 'signed-out', epoch, revokedGeneration });
  }

  /**
   * A refresh failed for good: every tab drops this token set (a newer sign-in survives). Kept in
   * localStorage too, so a tab that takes the refresh lock next knows at once, whether or not the
   * message has reached it, and does not present the refused refresh token again. Idempotent.
   */
  expireEverywhere(): void {
    const current = this.store.current();
    if (!current) return;
    this.expiredGeneration = Math.max(this.expiredGeneration, current.generation);
    this.tabs.storeExpiredGeneration(current.generation);
    this.endHere();
    this.tabs.post({ kind: 'session-expired', generation: current.generation });
  }

  /** Drops the session in this tab only. */
  endHere(): void {
    this.store.clear();
    this.tabs.holdGeneration(null).catch(() => {
      // Letting go of a lock cannot meaningfully fail; the tab closing releases it anyway.
    });
  }

  /**
   * Gets a live token set at least as new as `generation` from the other tabs: the current one
   * if it already is, else the first answer to a `session-request`, or null after `timeoutMs`.
   */
  async awaitGeneration(generation: number, timeoutMs: number): Promise<SessionState | null> {
    const current = this.store.current();
    if (current && current.generation >= generation) return current;
    const answer = firstValueFrom(
      race(
        this.receivedSets.pipe(
          filter((tokens) => tokens.generation >= generation && this.isAlive(tokens)),
        ),
        timer(timeoutMs).pipe(map(() => null)),
      ).pipe(takeUntil(this.destroyed)),
      { defaultValue: null },
    );
    this.tabs.post({ kind: 'session-request' });
    return answer;
  }

  private onMessage(message: TabMessage): void {
    const current = this.store.current();
    switch (message.kind) {
      case 'session':
        if (
          this.isAlive(message.tokens) &&
          message.tokens.generation > (current?.generation ?? 0)
        ) {
          void this.makeCurrent(message.tokens).catch(() => undefined);
          this.events.emit('session-adopted', {
            generation: message.tokens.generation,
            source: current ? 'refresh-elsewhere' : this.joining ? 'join' : 'sign-in-elsewhere',
          });
        }
        this.receivedSets.next(message.tokens);
        break;
      case 'session-request':
        if (current) {
          this.tabs.post({ kind: 'session', tokens: current });
          this.events.emit('tab-joined', {});
        }
        break;
      case 'signed-out':
        this.epochSeen = Math.max(this.epochSeen, message.epoch);
        if (current && current.epoch < message.epoch) {
          // A set the signing-out tab did not know (a refresh answered late) is ours to revoke.
          if (current.generation > message.revokedGeneration) this.revokeLate(current);
          this.endHere();
          this.events.emit('signed-out', { where: 'elsewhere', reason: 'logout' });
        }
        break;
      case 'session-expired':
        this.expiredGeneration = Math.max(this.expiredGeneration, message.generation);
        if (current && current.generation <= message.generation) {
          this.endHere();
          this.events.emit('signed-out', { where: 'elsewhere', reason: 'expired' });
        }
        break;
      case 'token-refused':
        this.brake.heard(message.generation);
        break;
    }
  }

  /** A state that arrived after a sign-out: the mode lets go of its credentials (best effort). */
  private revokeLate(late: ObtainedSession): void {
    if (this.active.isSet) this.active.backend.discardLate(late);
  }

  private async makeCurrent(tokens: SessionState): Promise<void> {
    this.store.replace(tokens);
    await this.tabs.holdGeneration(tokens.generation);
  }
}
