/**
 * The session store port, designed for several BFF instances sharing one store: tokens live in
 * their own versioned record written by compare-and-set, so a slow request can never write an old
 * refresh token over a new one, and an ended session leaves a tombstone no late write can undo.
 * Every method may throw `StoreUnavailableError` (the server answers 503).
 */
import type { SessionEndReason } from '../errors.ts';

/** The tokens of one session. Only the BFF ever reads them. */
export interface TokenRecord {
  /** Store revision: every write bumps it by one; a write names the revision it read. */
  readonly revision: number;
  /** The session version the app sees: 1 at sign-in, +1 for every new token set. */
  readonly version: number;
  readonly accessToken: string;
  /** Epoch milliseconds (BFF clock) when the provider's answer arrived. */
  readonly receivedAt: number;
  /** Epoch milliseconds (BFF clock at receipt + `expires_in`). */
  readonly accessTokenExpiresAt: number;
  readonly refreshToken?: string;
  readonly idToken?: string;
  /**
   * Set by a refresh holder just before its refresh token goes to the provider, cleared when the
   * provider did not process it. Found set by the next holder, it means the token may have been
   * rotated by an instance that died before storing the result: never present it again.
   */
  readonly refreshing?: string;
  /** The API refused this version's token even after a 401-triggered refresh (the 401 brake). */
  readonly apiRefused?: boolean;
  /** Which refresh holder wrote this record, to recognise its own write after a lost reply. */
  readonly writtenBy?: string;
  /**
   * The ID token claims of a step-up that replaced the tokens in place (step-up-sign-in.ts): when
   * present they are the session's claims, over `SessionRecord.claims` (read them with
   * `sessionClaims`). Every later write of the record carries them on. Never `sub` or `sid`
   * other than the session's: a step-up of another user or provider session is a new session.
   */
  readonly claims?: Readonly<Record<string, unknown>>;
}

export type NewTokenRecord = Omit<TokenRecord, 'revision'>;

export interface SessionRecord {
  /** Opaque random id, the cookie's value. */
  readonly id: string;
  readonly sub: string;
  /** The provider's session id (`sid` of the ID token), for back-channel logout. */
  readonly sid?: string;
  /**
   * ID token claims of the sign-in, shown to the app (never a token). A step-up in place puts
   * newer ones in `tokens.claims`, which win: see `sessionClaims`.
   */
  readonly claims: Readonly<Record<string, unknown>>;
  /** Epoch ms; the absolute lifetime counts from here. */
  readonly createdAt: number;
  /** Epoch ms of the last touch; the idle timeout counts from here. */
  readonly lastSeenAt: number;
  readonly tokens: TokenRecord;
}

export interface NewSession extends Omit<SessionRecord, 'tokens' | 'lastSeenAt'> {
  readonly tokens: NewTokenRecord;
}

export type SessionLookup =
  | { readonly state: 'active'; readonly session: SessionRecord }
  | { readonly state: 'ended'; readonly reason: SessionEndReason }
  | { readonly state: 'unknown' };

/** `ended` also covers an id the store does not know: a write never creates a session. */
export type WriteResult = 'written' | 'conflict' | 'ended';

/** A sign-in in progress, kept between the redirect to the provider and the callback. */
export interface PendingLogin {
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
  readonly returnPath: string;
  /** SHA-256 of the browser-binding cookie: the callback must come from the same browser. */
  readonly bindingHash: string;
  /**
   * What `/bff/login` asked the provider for beyond a sign-in (RFC 9470 step-up): a callback
   * with it may replace the tokens of the browser's session in place (step-up-sign-in.ts).
   */
  readonly stepUp?: StepUpRequest;
  /**
   * `none`: the provider was asked not to show anything (prompt-none.ts); when it answers that
   * the user must act, the callback goes on to an interactive sign-in instead of failing.
   */
  readonly prompt?: PromptRequest;
}

/** The `prompt` values `/bff/login` passes on: only `none` (a silent sign-in). */
export type PromptRequest = 'none';

/** The step-up parameters of an authorization request, as validated by `/bff/login`. */
export interface StepUpRequest {
  /** `acr_values`: space-separated, in order of preference. */
  readonly acrValues?: string;
  /** `max_age`: seconds the last authentication at the provider may be old. */
  readonly maxAge?: number;
}

export interface StoreLifetimes {
  readonly idleTimeoutMs: number;
  readonly absoluteLifetimeMs: number;
  /** How long a sign-in may take. Default 10 minutes. */
  readonly loginTtlMs?: number;
  /** How long an ended session is remembered as ended (then: unknown). Default 1 hour. */
  readonly tombstoneTtlMs?: number;
  /** Bounds on sign-ins in progress. Default `DEFAULT_LOGIN_LIMITS`. */
  readonly loginLimits?: LoginLimits;
}

/** How many sign-ins may be in progress: per client address, and in the whole store. */
export interface LoginLimits {
  readonly perClient: number;
  readonly total: number;
}

/** One fixed window of a request counter. */
export interface WindowCount {
  /** Requests counted in the current window, this one included. */
  readonly count: number;
  /** Milliseconds until the window ends and the count starts again from 0. */
  readonly resetInMs: number;
}

export interface WriteOptions {
  /**
   * The write guards a refresh token (the mark before it is presented, the rotated one after):
   * losing it in a failover would replay a refresh token and sign the user out.
   */
  readonly replicated?: boolean;
}

export interface SessionStore {
  /** Stores a new session under a fresh id; its token revision starts at 1. */
  createSession(session: NewSession): Promise<void>;
  /** The session, whether it ended (and why), or unknown (never existed, expired). */
  getSession(id: string): Promise<SessionLookup>;
  /** Restarts the idle timeout (never past the absolute lifetime). */
  touchSession(id: string, now: number): Promise<void>;
  /**
   * Replaces the tokens iff the record is still at `expectedRevision` and not ended. With
   * `replicated`, a write counts only once a replica holds it (a store with replicas); when none
   * acknowledges in time it throws `StoreUnavailableError`, and the write may or may not stay.
   */
  writeTokens(
    id: string,
    expectedRevision: number,
    next: NewTokenRecord,
    options?: WriteOptions,
  ): Promise<WriteResult>;
  /** Ends the session for good: the tokens are dropped and a tombstone keeps the reason. */
  endSession(id: string, reason: SessionEndReason): Promise<void>;
  /** Ids of live sessions with this provider session id. */
  sessionsBySid(sid: string): Promise<string[]>;
  /** Ids of live sessions of this user. */
  sessionsBySub(sub: string): Promise<string[]>;
  /**
   * Stores a sign-in in progress for `client` (a client address key). Throws `SignInLimitError`
   * when that client already holds `loginLimits.perClient` of them (scope `client`) or the store
   * holds `loginLimits.total` (scope `total`): a sign-in in progress is never evicted. The counts
   * are the pending records themselves, so they expire with them.
   */
  putLogin(login: PendingLogin, client?: string): Promise<void>;
  /** Returns and deletes the sign-in (single use), or undefined if unknown or expired. */
  takeLogin(state: string): Promise<PendingLogin | undefined>;
  /**
   * Counts one request under `key` in a fixed window of `windowMs` that starts with the key's
   * first request (the rate limiter's counter; every key expires with its window).
   */
  countRequest(key: string, windowMs: number): Promise<WindowCount>;
  /** True when `markJtiSeen` recorded this token id and its record has not expired. */
  hasSeenJti(jti: string): Promise<boolean>;
  /** Records a token id; false when it was already seen within `ttlMs`. */
  markJtiSeen(jti: string, ttlMs: number): Promise<boolean>;
  /** A named lock with expiry; true if `owner` now holds it. */
  acquireLock(name: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Extends the lock if `owner` still holds it. */
  extendLock(name: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Releases the lock if `owner` still holds it. */
  releaseLock(name: string, owner: string): Promise<void>;
  /** Throws `StoreUnavailableError` when the store cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export const DEFAULT_LOGIN_TTL_MS = 10 * 60_000;
export const DEFAULT_TOMBSTONE_TTL_MS = 60 * 60_000;
export const DEFAULT_LOGIN_LIMITS: LoginLimits = { perClient: 20, total: 10_000 };

/** Whole seconds until `at` (at least 1), for Retry-After. */
export function secondsUntil(at: number, now: number): number {
  return Math.max(1, Math.ceil((at - now) / 1000));
}

/** The session's claims: a step-up's (on the token record) over the sign-in's. */
export function sessionClaims(
  session: Pick<SessionRecord, 'claims'>,
  tokens: Pick<TokenRecord, 'claims'>,
): Readonly<Record<string, unknown>> {
  return tokens.claims ?? session.claims;
}

/** When a session expires: idle timeout from its last touch, capped by its absolute lifetime. */
export function sessionExpiresAt(
  session: Pick<SessionRecord, 'createdAt' | 'lastSeenAt'>,
  lifetimes: StoreLifetimes,
): number {
  return Math.min(
    session.lastSeenAt + lifetimes.idleTimeoutMs,
    session.createdAt + lifetimes.absoluteLifetimeMs,
  );
}
