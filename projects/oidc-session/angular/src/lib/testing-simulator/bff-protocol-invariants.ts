import { BffTabSimulation, sessionOf } from './bff-tab-simulation';
import { SimulatedBff } from './simulated-bff';
import { VirtualTime } from './virtual-time';

/** A sign-out as the invariants see it. */
export interface BffSignOut {
  readonly by: string;
  readonly step: number;
  readonly startedAt: number;
  /** The BFF session the signing-out tab held. */
  readonly session: string | null;
}

/** What the invariants read of a bff-mode run. */
export interface BffRunHistory {
  readonly time: VirtualTime;
  readonly sim: BffTabSimulation;
  readonly bff: SimulatedBff;
  readonly signOuts: readonly BffSignOut[];
}

/** Longest a request may take: three attempts of 10 s, pauses, on the 401 path too, margin. */
export const REQUEST_BOUND_MS = 120_000;
const BOOT_BOUND_MS = 120_000;

/**
 * The tab protocol's invariants in bff mode, checked after every step (the end-of-run ones are in
 * bff-protocol-run.ts): (1) after a sign-out, no tab holds a session of a sign-in started before
 * it; (2) one refresh per version; page loads and requests end within a bound.
 */
export class BffProtocolInvariants {
  constructor(private readonly run: BffRunHistory) {}

  /** The first violation, or null. */
  findViolation(): string | null {
    return this.signOutWins() ?? this.oneRefreshPerVersion() ?? this.bounded();
  }

  /** Invariant 1; a tab is excused while the sign-out's message is on its way to it. */
  signOutWins(): string | null {
    for (const signOut of this.run.signOuts) {
      for (const tab of this.run.sim.tabs) {
        const app = tab.app;
        const held = sessionOf(app?.current ?? null);
        if (!app || !held || !app.page.isOpen) continue;
        if (app.page.awaitsMessagesPostedBy(signOut.startedAt)) continue;
        const session = this.run.bff.session(held);
        if (session && session.signInStep > signOut.step) continue;
        return (
          `invariant 1 (sign-out wins): ${app.page.label} holds session ${held} ` +
          `(signed in at step ${session?.signInStep}) after the sign-out of step ${signOut.step} (${signOut.by})`
        );
      }
    }
    return null;
  }

  /** Invariant 2. */
  oneRefreshPerVersion(): string | null {
    const refreshed = new Set<string>();
    for (const key of this.run.bff.refreshed) {
      if (refreshed.has(key))
        return `invariant 2 (one refresh per version): the BFF refreshed ${key} twice`;
      refreshed.add(key);
    }
    const calls = this.run.bff.refreshCalls;
    for (let i = 0; i < calls.length; i++) {
      for (let j = 0; j < i; j++) {
        const [a, b] = [calls[j], calls[i]];
        if (a.page !== b.page || a.version !== b.version) continue;
        if (a.endedAt === null || a.endedAt > b.sentAt)
          return `invariant 2 (one refresh per version): ${b.page} sent a second refresh of version ${b.version} while one was on the wire`;
      }
    }
    return null;
  }

  /** Page loads and requests end within their bounds. */
  bounded(): string | null {
    const now = this.run.time.now();
    for (const tab of this.run.sim.tabs) {
      const app = tab.app;
      if (app && !app.booted && !app.bootError && now - app.bootStartedAt > BOOT_BOUND_MS)
        return `${app.page.label} has not finished loading after ${BOOT_BOUND_MS / 1000} s`;
    }
    for (const request of this.run.sim.requests) {
      if (
        request.endedAt === null &&
        request.app.page.isOpen &&
        now - request.startedAt > REQUEST_BOUND_MS
      )
        return `a request of ${request.app.page.label} has not ended after ${REQUEST_BOUND_MS / 1000} s`;
    }
    return null;
  }
}
