import { HttpErrorResponse } from '@angular/common/http';

import { ProviderUnreachableError, SessionExpiredError } from '../core/auth-errors';
import { SessionState } from '../core/session';
import { accessTokenOf, refreshTokenOf } from './session-tokens';
import { FakeProvider, Grant, Presentation } from './fake-provider';
import { PageApp, SimTab, TabSimulation, TrackedRequest, describeError } from './simulated-tabs';

/** A sign-out as the invariants see it. */
export interface SignOut {
  /** The page it was made in. */
  readonly by: string;
  /** The step that made it (steps are numbered in order). */
  readonly step: number;
  readonly startedAt: number;
  /** When `logout()` resolved, or its page went away. */
  completedAt: number | null;
  /** The grant of the session signed out of, if known. */
  readonly grant: Grant | null;
}

/** What the invariants read of a run. */
export interface ProtocolHistory {
  readonly sim: TabSimulation;
  readonly provider: FakeProvider;
  readonly signOuts: readonly SignOut[];
  /** The step that started each sign-in, by its authorization code. */
  readonly signInStarts: ReadonlyMap<string, number>;
}

export interface ProtocolBounds {
  /** Longest a request may take to end, virtual ms. */
  readonly requestMs: number;
  /** Longest a page may take to load. */
  readonly bootMs: number;
}

/**
 * The invariants of the tab protocol (issue 10), checked after every step:
 * 1. after a sign-out completes, no tab holds a session until a sign-in started after it;
 * 2. no refresh token is presented after the client heard of its rotation (re-sending one whose
 *    answer never came, as the retry policy does, is allowed);
 * 3. at most one refresh per generation reaches the provider as a new request (retries aside);
 * 4. no tab goes back to an older generation than one it has held, and a generation names one
 *    token set;
 * 5. every request succeeds, fails transiently with the session kept, or ends the session for
 *    a definitive reason, within a bound.
 */
export class ProtocolInvariants {
  /** Violations noticed as they happened (invariant 4, failed start-ups), first first. */
  readonly noticed: string[] = [];
  private readonly generations = new Map<number, string | null>();
  private readonly judged = new Set<TrackedRequest>();
  private checkedPresentations = 0;

  constructor(
    private readonly history: ProtocolHistory,
    private readonly bounds: ProtocolBounds,
  ) {}

  /** The first violation, or null. */
  findViolation(): string | null {
    const noticed = [...this.noticed, ...this.history.sim.noticed];
    if (noticed.length) return noticed[0];
    return (
      this.bootsBounded() ?? this.signOutWins() ?? this.presentationsAllowed() ?? this.requestsEnd()
    );
  }

  /**
   * Invariant 1 at the provider, once everything has settled: the grant signed out of, and any
   * grant from a sign-in started before the sign-out but completed after it (in a page still
   * there to get its tokens), are revoked, unless a revocation was refused (best effort).
   */
  grantsRevoked(): string | null {
    const { provider, signOuts, signInStarts } = this.history;
    for (const signOut of signOuts) {
      if (signOut.completedAt === null) continue;
      const late = provider.grants.filter(
        (grant) =>
          grant.delivered &&
          grant.createdAt >= signOut.startedAt &&
          (signInStarts.get(grant.code) ?? 0) < signOut.step,
      );
      for (const grant of [signOut.grant, ...late]) {
        if (!grant || grant.revokedBecause || provider.unrevoked.has(grant)) continue;
        return (
          `invariant 1 (sign-out wins, at the provider): grant g${grant.id} (sign-in started ` +
          `at step ${signInStarts.get(grant.code)}) is still live after the sign-out of step ` +
          `${signOut.step}`
        );
      }
    }
    return null;
  }

  /** Invariant 4, as a page's store takes a token set. */
  held(tab: SimTab, app: PageApp, tokens: SessionState | null): void {
    if (!tokens) return;
    if (tokens.generation < tab.newestGeneration) {
      this.noticed.push(
        `invariant 4 (no going back): ${app.page.label} went back to generation ` +
          `${tokens.generation} after holding generation ${tab.newestGeneration}`,
      );
    }
    tab.newestGeneration = Math.max(tab.newestGeneration, tokens.generation);
    const known = this.generations.get(tokens.generation);
    if (known === undefined) this.generations.set(tokens.generation, accessTokenOf(tokens) ?? '');
    else if (known !== accessTokenOf(tokens)) {
      this.noticed.push(
        `invariant 4 (one set per generation): generation ${tokens.generation} names two token ` +
          `sets (${known} and ${accessTokenOf(tokens)}); ${app.page.label} holds the second`,
      );
    }
  }

  private now(): number {
    return this.history.sim.time.now();
  }

  private bootsBounded(): string | null {
    for (const tab of this.history.sim.tabs) {
      const app = tab.app;
      if (!app || app.booted || app.bootError) continue;
      if (this.now() - app.bootStartedAt > this.bounds.bootMs)
        return `${app.page.label} has not finished loading after ${this.bounds.bootMs / 1000} s`;
    }
    return null;
  }

  /** Invariant 1. A slow tab is excused while the news is still on its way to it. */
  private signOutWins(): string | null {
    const { sim, provider, signOuts, signInStarts } = this.history;
    for (const signOut of signOuts) {
      if (signOut.completedAt === null) {
        if (this.now() - signOut.startedAt > this.bounds.requestMs)
          return `the sign-out in ${signOut.by} (step ${signOut.step}) never completed`;
        continue;
      }
      for (const tab of sim.tabs) {
        const app = tab.app;
        const held = app?.current;
        if (!app || !held || !app.page.isOpen) continue;
        if (app.page.awaitsMessagesPostedBy(signOut.completedAt)) continue;
        const grant = provider.grantOf(refreshTokenOf(held) ?? accessTokenOf(held));
        const startedAt = grant ? signInStarts.get(grant.code) : undefined;
        if (startedAt === undefined || startedAt < signOut.step) {
          return (
            `invariant 1 (sign-out wins): ${app.page.label} holds a session (generation ` +
            `${held.generation}, ${refreshTokenOf(held)}, grant g${grant?.id} of the sign-in ` +
            `started at step ${startedAt}) after the sign-out of step ${signOut.step} ` +
            `(${signOut.by}) completed`
          );
        }
      }
    }
    return null;
  }

  /** Invariants 2 and 3, on every refresh that reached the provider. */
  private presentationsAllowed(): string | null {
    const all = this.history.provider.presentations;
    for (const p of all) {
      if (p.index <= this.checkedPresentations && p.heard !== 'pending') continue;
      const rotation = this.history.provider.rotationOf(p.refreshToken);
      if (
        rotation &&
        rotation !== p &&
        rotation.heard === 'answer' &&
        rotation.heardAt !== null &&
        rotation.heardAt <= p.at
      ) {
        return (
          `invariant 2 (no rotated token presented): ${p.tab} presented ${p.refreshToken} ` +
          `(generation ${p.generation}) after ${rotation.tab} had received its rotation to ` +
          `${rotation.issued}`
        );
      }
      for (const q of all) {
        if (q.index >= p.index || q.generation !== p.generation || isRetryOf(p, q)) continue;
        const state =
          q.heard === 'pending' || (q.heardAt ?? Infinity) > p.at
            ? 'was still in flight'
            : `had been answered (${q.result})`;
        return (
          `invariant 3 (one refresh per generation): ${p.tab} refreshed generation ` +
          `${p.generation} (${p.refreshToken}) although ${q.tab}'s refresh of it ` +
          `(${q.refreshToken}) ${state}`
        );
      }
    }
    this.checkedPresentations = all.length;
    return null;
  }

  /** Invariant 5. Requests of pages that went away are not judged. */
  private requestsEnd(): string | null {
    for (const request of this.history.sim.requests) {
      if (this.judged.has(request) || !request.app.page.isOpen) continue;
      const label = `${request.app.page.label}'s request #${request.id}`;
      if (!request.outcome) {
        if (this.now() - request.startedAt > this.bounds.requestMs)
          return `invariant 5 (bounded): ${label} has not ended after ${this.bounds.requestMs / 1000} s`;
        continue;
      }
      // A definitive end may reach this tab's session by message: judge once the news is in.
      const definitive = request.outcome.error instanceof SessionExpiredError;
      if (definitive && request.app.page.awaitsMessagesPostedBy(request.outcome.at)) continue;
      this.judged.add(request);
      const verdict = this.judge(request);
      if (verdict) return `invariant 5 (allowed outcome): ${label} ${verdict}`;
    }
    return null;
  }

  private judge(request: TrackedRequest): string | null {
    const { provider, signOuts } = this.history;
    const { ok, error, heldAtEnd } = request.outcome!;
    if (ok) return null;
    const start = request.heldAtStart;
    const startGrant = provider.grantOf(refreshTokenOf(start) ?? accessTokenOf(start));
    if (error instanceof ProviderUnreachableError) {
      const signedOutSince = signOuts.some((s) => s.startedAt >= request.startedAt);
      if (heldAtEnd || signedOutSince || startGrant?.revokedBecause || !start) return null;
      return `failed transiently (${error.reason}) but its tab dropped the session`;
    }
    if (error instanceof SessionExpiredError) {
      const why = this.definitiveReasonWrong(error.reason, request);
      if (why) return why;
      // Ended: the tab let go of its session at some point since (once the news reached it).
      const ended = !start || (request.app.lastEndedAt ?? -Infinity) >= request.startedAt;
      return ended ? null : `ended definitively (${error.reason}) but its tab kept the session`;
    }
    if (error instanceof HttpErrorResponse && error.status === 401) {
      // Sent without a session, a request gets the API's answer to anonymous callers.
      return start && heldAtEnd ? 'got a 401 although its tab holds a session' : null;
    }
    return `failed with ${describeError(error)}`;
  }

  /** Whether a definitive end gave a reason that does not hold. */
  private definitiveReasonWrong(reason: string, request: TrackedRequest): string | null {
    const start = request.heldAtStart;
    const startGrant = this.history.provider.grantOf(refreshTokenOf(start) ?? accessTokenOf(start));
    switch (reason) {
      case 'signed_out':
        return null;
      case 'refresh_rejected': {
        // The session refreshed may be a newer one than the request began with.
        const last = request.outcome!.lastHeld;
        const grants = [startGrant, this.history.provider.grantOf(refreshTokenOf(last))];
        return grants.some((grant) => !grant || grant.revokedBecause)
          ? null
          : 'ended as refresh_rejected though the provider never rejected that grant';
      }
      case 'superseded': {
        // Only a holder that is gone may end the session (issue 10: a slow tab is not a dead one).
        const newer = request.outcome!.heldGenerations.filter((g) => g > (start?.generation ?? 0));
        return newer.length
          ? `ended as superseded while a live tab held generation ${newer.join(', ')}`
          : null;
      }
      default:
        return `ended for a reason that cannot happen here: ${reason}`;
    }
  }
}

/**
 * Whether `p` may repeat `q` (an earlier refresh of the same generation): the same refresh
 * token, sent after `q` went unanswered (lost, timed out, its page closed) or got a 5xx.
 */
function isRetryOf(p: Presentation, q: Presentation): boolean {
  const unanswered =
    q.heard === 'lost' ||
    q.heard === 'timeout' ||
    (q.heard === 'answer' && q.result === 'unavailable');
  return q.refreshToken === p.refreshToken && unanswered && q.heardAt !== null && q.heardAt <= p.at;
}
