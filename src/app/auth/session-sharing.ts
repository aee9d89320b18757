import { Injectable, inject } from '@angular/core';
import { Subject, filter, firstValueFrom, map, race, timer } from 'rxjs';

import { AuthEventLog } from './auth-events';
import { TokenSet } from './session';
import { SessionStore } from './session-store';
import { TAB_SYNC, TabMessage } from './tab-sync';

/**
 * Keeps every tab on the same token set: hands new sets to the other tabs, adopts theirs,
 * answers tabs that join, and ends the session everywhere at once.
 */
@Injectable({ providedIn: 'root' })
export class SessionSharing {
  private readonly tabs = inject(TAB_SYNC);
  private readonly store = inject(SessionStore);
  private readonly events = inject(AuthEventLog);
  private readonly receivedSets = new Subject<TokenSet>();
  private connected = false;
  /** True while start-up waits for an open tab to hand over the session. */
  private joining = false;
  /** Generation of the last sign-out seen; older sets still in flight must not revive the session. */
  private endedGeneration = 0;

  /** Whether the tabs really share (false in the per-tab fallback). */
  get shared(): boolean {
    return this.tabs.shared;
  }

  /** Starts listening to the other tabs. Idempotent. */
  connect(): void {
    if (this.connected) return;
    this.connected = true;
    this.tabs.messages().subscribe((message) => this.onMessage(message));
  }

  /**
   * Start-up: decides between the token set this tab stored, the live one of another tab,
   * and none. A stored set that another tab has since replaced is never made current: its
   * refresh token may already be rotated, and presenting it would look like a replay.
   */
  async join(stored: TokenSet | null, timeoutMs: number): Promise<TokenSet | null> {
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
   * it, claims that generation and hands it to every tab. Callers hold the refresh lock, so
   * the set is out before any other tab can look for it.
   */
  async publish(tokens: Omit<TokenSet, 'generation'>, newestKnown: number): Promise<TokenSet> {
    const floor = Math.max(newestKnown, this.store.current()?.generation ?? 0);
    const published: TokenSet = { ...tokens, generation: this.tabs.nextGeneration(floor) };
    await this.makeCurrent(published);
    this.tabs.post({ kind: 'session', tokens: published });
    return published;
  }

  /** Ends the session in this tab and in every other tab holding it. */
  endEverywhere(reason: 'logout' | 'expired'): void {
    const generation = this.tabs.nextGeneration(this.store.current()?.generation ?? 0);
    this.endedGeneration = generation;
    this.endHere();
    this.tabs.post({ kind: 'signed-out', generation, reason });
  }

  /** Drops the session in this tab only (another tab holds a newer one). */
  endHere(): void {
    this.store.clear();
    void this.tabs.holdGeneration(null);
  }

  /**
   * Gets a token set at least as new as `generation` from the other tabs: the current one if
   * it already is, else the first answer to a `session-request`, or null after `timeoutMs`.
   */
  async awaitGeneration(generation: number, timeoutMs: number): Promise<TokenSet | null> {
    const current = this.store.current();
    if (current && current.generation >= generation) return current;
    const answer = firstValueFrom(
      race(
        this.receivedSets.pipe(filter((tokens) => tokens.generation >= generation)),
        timer(timeoutMs).pipe(map(() => null)),
      ),
    );
    this.tabs.post({ kind: 'session-request' });
    return answer;
  }

  private onMessage(message: TabMessage): void {
    const current = this.store.current();
    switch (message.kind) {
      case 'session':
        if (message.tokens.generation > Math.max(current?.generation ?? 0, this.endedGeneration)) {
          void this.makeCurrent(message.tokens);
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
        this.endedGeneration = Math.max(this.endedGeneration, message.generation);
        if (current && message.generation > current.generation) {
          this.endHere();
          this.events.emit('signed-out', { where: 'elsewhere', reason: message.reason });
        }
        break;
    }
  }

  private async makeCurrent(tokens: TokenSet): Promise<void> {
    this.store.replace(tokens);
    await this.tabs.holdGeneration(tokens.generation);
  }
}
