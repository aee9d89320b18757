/**
 * One refresh per session version, in this process and across every instance sharing the store.
 *
 * In-process, concurrent callers of one session share one promise. Across instances, a lock per
 * session (with expiry, extended while its holder works) admits one holder; the others poll the
 * store and adopt the holder's tokens as soon as the version moves. The holder marks the token
 * record before presenting the refresh token and stores the result by compare-and-set, retrying
 * the write while it keeps its lock. A holder that finds another holder's mark knows that refresh
 * token may have been rotated already and ends the session instead of replaying it.
 *
 * What else replaces a session's tokens or ends it while its grant must live on (a step-up in
 * place, a sign-in that replaces the browser's session) holds the same lock (`withSessionLock`),
 * so that a refresh in flight finishes and writes first.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';

import {
  NoSessionError,
  ProviderRejectedError,
  ProviderUnavailableError,
  SessionEndedError,
  SessionLockBusyError,
  StoreUnavailableError,
  UnavailableError,
  type SessionEndReason,
} from './errors.ts';
import type { ProviderTokens } from './oidc.ts';
import type {
  NewTokenRecord,
  SessionRecord,
  SessionStore,
  TokenRecord,
  WriteResult,
} from './session-store/types.ts';

/** Writes a token replacement tries before giving up (503): each conflict is another writer. */
const REPLACE_ATTEMPTS = 3;

export interface RefresherDeps {
  readonly store: SessionStore;
  /** The provider's refresh grant; throws the errors of `OidcClient.refresh`. */
  readonly refreshGrant: (refreshToken: string, sub: string) => Promise<ProviderTokens>;
  /** Revokes a refresh token nobody will keep (best effort). */
  readonly revoke?: (refreshToken: string) => Promise<void>;
  readonly now?: () => number;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly lockTtlMs: number;
  /** How long a caller waits for another holder before answering 503. Default 3 lock TTLs. */
  readonly waitLimitMs?: number;
  /** How long the holder keeps retrying the store write. Default 3 lock TTLs. */
  readonly writeLimitMs?: number;
  /** Poll period of a waiter. Default 50 ms. */
  readonly pollMs?: number;
  /** Names this instance in lock owners and marks (diagnostics only). */
  readonly instanceId?: string;
}

export class SessionRefresher {
  readonly #inflight = new Map<string, { seen: number; promise: Promise<TokenRecord> }>();
  readonly #deps: Required<Omit<RefresherDeps, 'revoke'>> & Pick<RefresherDeps, 'revoke'>;

  constructor(deps: RefresherDeps) {
    this.#deps = {
      now: Date.now,
      sleep: (ms, signal) => delay(ms, undefined, { signal, ref: false }),
      waitLimitMs: deps.lockTtlMs * 3,
      writeLimitMs: deps.lockTtlMs * 3,
      pollMs: 50,
      instanceId: randomBytes(4).toString('hex'),
      ...deps,
    };
  }

  /**
   * Tokens of a version newer than `seenVersion`: the stored ones when another caller already
   * refreshed, else the result of one refresh. Throws SessionEndedError / NoSessionError (401)
   * or an UnavailableError (503; the session is kept).
   */
  async refresh(sessionId: string, seenVersion: number): Promise<TokenRecord> {
    const running = this.#inflight.get(sessionId);
    if (running && running.seen >= seenVersion) {
      const tokens = await running.promise;
      if (tokens.version > seenVersion) return tokens;
    }
    const promise = this.#run(sessionId, seenVersion);
    this.#inflight.set(sessionId, { seen: seenVersion, promise });
    try {
      return await promise;
    } finally {
      if (this.#inflight.get(sessionId)?.promise === promise) this.#inflight.delete(sessionId);
    }
  }

  /**
   * Runs `task` holding the session's refresh lock, kept alive while it runs: no refresh of any
   * instance is in flight meanwhile. One that is finishes (and writes) first: `task` waits for it
   * as a refresh's waiter does, and throws SessionLockBusyError (503; `task` did not run) past the
   * wait limit. A refresh that comes after finds whatever `task` left. The lock is released
   * after `task`, whatever it did.
   */
  async withSessionLock<T>(id: string, task: () => Promise<T>): Promise<T> {
    const { store, now, sleep, lockTtlMs, waitLimitMs, pollMs } = this.#deps;
    const deadline = now() + waitLimitMs;
    const owner = this.#newOwner();
    while (!(await store.acquireLock(lockName(id), owner, lockTtlMs))) {
      // A refresh is still at work (or its holder died and the lock has not expired yet).
      if (now() >= deadline) throw new SessionLockBusyError();
      await sleep(pollMs);
    }
    const heartbeat = this.#keepLock(id, owner);
    try {
      return await task();
    } finally {
      heartbeat.abort();
      // Best effort: the lock expires anyway.
      await store.releaseLock(lockName(id), owner).catch(() => undefined);
    }
  }

  /**
   * Replaces the session's tokens with a set that came from elsewhere than a refresh (a step-up
   * sign-in: step-up-sign-in.ts), holding the session's refresh lock (`withSessionLock`), so that
   * no refresh of any instance is in flight meanwhile. Without the lock, a holder that presented
   * the old refresh token would find its write conflicting, take that for another holder's lost
   * refresh, end the session and revoke the token it was given: within one provider session that
   * revokes the grant, and with it the new tokens. With it, such a holder finishes first (the
   * replacement waits, as a refresh's waiter does: 503 past the wait limit), and every refresh
   * after it adopts the new version. The write is a compare-and-set on the record `build` was
   * given (a conflict, such as a proxied call's 401 brake, reads again, up to REPLACE_ATTEMPTS
   * writes). `ended`: the session is gone; nothing was written.
   */
  async replaceTokens(
    id: string,
    build: (current: TokenRecord) => NewTokenRecord,
  ): Promise<{ readonly written: TokenRecord; readonly replaced: TokenRecord } | 'ended'> {
    const { store } = this.#deps;
    return this.withSessionLock(id, async () => {
      for (let attempt = 0; attempt < REPLACE_ATTEMPTS; attempt += 1) {
        const lookup = await store.getSession(id);
        if (lookup.state !== 'active') return 'ended';
        // A mark found here is a dead holder's: its refresh token is replaced, never presented.
        const current = lookup.session.tokens;
        const next = build(current);
        // Replicated: a new refresh token, as a refresh's is.
        const result = await store.writeTokens(id, current.revision, next, { replicated: true });
        if (result === 'written') {
          return { written: { ...next, revision: current.revision + 1 }, replaced: current };
        }
        if (result === 'ended') return 'ended';
      }
      throw new UnavailableError('store');
    });
  }

  async #run(id: string, seen: number): Promise<TokenRecord> {
    const { store, now, sleep, lockTtlMs, waitLimitMs, pollMs } = this.#deps;
    const deadline = now() + waitLimitMs;
    for (;;) {
      const session = await this.#active(id);
      if (session.tokens.version > seen) return session.tokens;
      const owner = this.#newOwner();
      if (await store.acquireLock(lockName(id), owner, lockTtlMs)) {
        try {
          const tokens = await this.#refreshHolding(id, seen, owner);
          if (tokens) return tokens;
        } finally {
          // Best effort: the lock expires anyway.
          await store.releaseLock(lockName(id), owner).catch(() => undefined);
        }
      } else if (now() >= deadline) {
        // Another holder is still at work (or its lock has not expired yet): the session is kept.
        throw new UnavailableError('provider');
      } else {
        await sleep(pollMs);
      }
    }
  }

  /** Refreshes while holding the lock; undefined means "read again and start over". */
  async #refreshHolding(id: string, seen: number, owner: string): Promise<TokenRecord | undefined> {
    const { store } = this.#deps;
    // Read again under the lock: the previous holder may have finished in between.
    const session = await this.#active(id);
    const current = session.tokens;
    if (current.version > seen) return current;
    if (current.refreshing !== undefined) {
      // A holder presented this refresh token and never stored an answer: it may be rotated.
      return this.#end(id, 'refresh_token_lost');
    }
    if (current.refreshToken === undefined) return this.#end(id, 'refresh_rejected');
    const { writtenBy: _previousWriter, revision: _revision, ...unmarked } = current;
    let marked: WriteResult;
    try {
      // Replicated: a mark lost in a failover would let another holder present this refresh
      // token after the provider rotated it (a replay, and the grant revoked).
      marked = await store.writeTokens(
        id,
        current.revision,
        { ...unmarked, refreshing: owner },
        { replicated: true },
      );
    } catch (error) {
      // The reply may be lost after the mark landed: take our mark off again, or the next holder
      // would end a session whose refresh token never left this process.
      if (error instanceof StoreUnavailableError) await this.#unmark(id, owner);
      throw error;
    }
    if (marked === 'ended') throw await this.#endedError(id);
    if (marked === 'conflict') return undefined;

    const heartbeat = this.#keepLock(id, owner);
    try {
      let fresh: ProviderTokens;
      try {
        fresh = await this.#deps.refreshGrant(current.refreshToken, session.sub);
      } catch (error) {
        if (error instanceof ProviderUnavailableError) {
          // Not processed: the refresh token is still good, so take the mark off again.
          await this.#write(id, current.revision + 1, { ...unmarked, writtenBy: owner }, owner);
          throw error;
        }
        // Rejected: definitive. Unknown outcome: the token may be rotated; never present it again.
        return this.#end(
          id,
          error instanceof ProviderRejectedError ? 'refresh_rejected' : 'refresh_token_lost',
          error,
        );
      }
      const next: Omit<TokenRecord, 'revision'> = {
        version: current.version + 1,
        accessToken: fresh.accessToken,
        receivedAt: this.#deps.now(),
        accessTokenExpiresAt: this.#deps.now() + fresh.expiresIn * 1000,
        // A provider that does not rotate answers without a refresh token: keep the one we have.
        refreshToken: fresh.refreshToken ?? current.refreshToken,
        ...((fresh.idToken ?? current.idToken)
          ? { idToken: fresh.idToken ?? current.idToken }
          : {}),
        // A step-up's claims stay: a refresh keeps the claims of the sign-in that got the tokens.
        ...(current.claims ? { claims: current.claims } : {}),
        writtenBy: owner,
      };
      return await this.#write(id, current.revision + 1, next, owner, fresh.refreshToken);
    } finally {
      heartbeat.abort();
    }
  }

  /**
   * Stores `next` by compare-and-set, retrying through store outages until the write limit.
   * A reply lost after a successful write is recognised by `writtenBy`. A rotated refresh token
   * (`newRefreshToken`) is written `replicated`: when its acknowledgement was not seen, the
   * recognised write is written once more and acknowledged before it counts.
   */
  async #write(
    id: string,
    expectedRevision: number,
    next: Omit<TokenRecord, 'revision'>,
    owner: string,
    newRefreshToken?: string,
  ): Promise<TokenRecord> {
    const { store, now, sleep, writeLimitMs, pollMs } = this.#deps;
    const deadline = now() + writeLimitMs;
    for (let attempt = 0; ; attempt += 1) {
      try {
        const replicated = { replicated: newRefreshToken !== undefined };
        const result = await store.writeTokens(id, expectedRevision, next, replicated);
        if (result === 'written') return { ...next, revision: expectedRevision + 1 };
        const lookup = await store.getSession(id);
        if (
          lookup.state === 'active' &&
          lookup.session.tokens.writtenBy === owner &&
          lookup.session.tokens.version === next.version
        ) {
          if (!replicated.replicated) return lookup.session.tokens;
          const { revision, ...record } = lookup.session.tokens;
          if ((await store.writeTokens(id, revision, record, replicated)) === 'written')
            return { ...record, revision: revision + 1 };
          // Written over meanwhile (a proxied call's mark): look again.
          expectedRevision = revision;
          continue;
        }
        // Signed out meanwhile, or another holder ended the session after our lock expired: the
        // token we were given is nobody's, revoke it. Not when a newer sign-in replaced the
        // session: the two may share one grant (one provider session), and revoking this token
        // would revoke the new session's with it (session-replacement.ts). It is only dropped.
        const replaced = lookup.state === 'ended' && lookup.reason === 'replaced';
        if (newRefreshToken && !replaced)
          void this.#deps.revoke?.(newRefreshToken).catch(() => undefined);
        if (result === 'ended') throw await this.#endedError(id);
        return this.#end(id, 'refresh_token_lost');
      } catch (error) {
        if (!(error instanceof StoreUnavailableError) || now() >= deadline) throw error;
        // The store is away: keep the lock alive (heartbeat) and try again.
        await sleep(Math.min(pollMs * 2 ** attempt, 1000));
      }
    }
  }

  /** Removes this owner's mark if it is there, retrying through store outages until the write limit. */
  async #unmark(id: string, owner: string): Promise<void> {
    const { store, now, sleep, writeLimitMs, pollMs } = this.#deps;
    const deadline = now() + writeLimitMs;
    for (let attempt = 0; now() < deadline; attempt += 1) {
      try {
        const lookup = await store.getSession(id);
        if (lookup.state !== 'active' || lookup.session.tokens.refreshing !== owner) return;
        const { revision, refreshing: _mark, ...rest } = lookup.session.tokens;
        if ((await store.writeTokens(id, revision, rest)) !== 'conflict') return;
      } catch (error) {
        if (!(error instanceof StoreUnavailableError)) return;
        await sleep(Math.min(pollMs * 2 ** attempt, 1000));
      }
    }
  }

  /** A lock owner (and refresh mark) of this instance, new for every holder. */
  #newOwner(): string {
    return `${this.#deps.instanceId}:${randomBytes(6).toString('hex')}`;
  }

  /** Extends the lock every third of its lifetime until aborted. */
  #keepLock(id: string, owner: string): AbortController {
    const { store, sleep, lockTtlMs } = this.#deps;
    const controller = new AbortController();
    void (async () => {
      while (!controller.signal.aborted) {
        await sleep(lockTtlMs / 3, controller.signal).catch(() => undefined);
        if (controller.signal.aborted) return;
        // A failed extension is not fatal: the compare-and-set write still protects the record.
        await store.extendLock(lockName(id), owner, lockTtlMs).catch(() => false);
      }
    })();
    return controller;
  }

  async #active(id: string): Promise<SessionRecord> {
    const lookup = await this.#deps.store.getSession(id);
    if (lookup.state === 'active') return lookup.session;
    if (lookup.state === 'ended') throw new SessionEndedError(lookup.reason);
    throw new NoSessionError();
  }

  async #end(id: string, reason: SessionEndReason, cause?: unknown): Promise<never> {
    await this.#deps.store.endSession(id, reason);
    throw await this.#endedError(id, cause);
  }

  async #endedError(id: string, cause?: unknown): Promise<SessionEndedError> {
    const lookup = await this.#deps.store.getSession(id).catch(() => undefined);
    return new SessionEndedError(lookup?.state === 'ended' ? lookup.reason : 'signed_out', {
      cause,
    });
  }
}

/** The lock's name in the store. */
export function lockName(sessionId: string): string {
  return `refresh:${sessionId}`;
}
