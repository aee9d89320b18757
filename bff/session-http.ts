/**
 * What the HTTP routes share: the BFF context, the session cookie, reading the session of a
 * request, and the session as the app sees it (claims, remaining lifetime, version; no token).
 */
import { randomBytes } from 'node:crypto';

// Type-only: brings request.cookies and reply.setCookie into scope.
import type {} from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';

import type { BffConfig } from './config.ts';
import { cookieNames, cookieOptions } from './cookies.ts';
import { clearLoginBindings } from './login-binding.ts';
import { NoSessionError, SessionEndedError } from './errors.ts';
import type { OidcClient } from './oidc.ts';
import type { SessionRefresher } from './refresh.ts';
import {
  sessionClaims,
  sessionExpiresAt,
  type SessionRecord,
  type SessionStore,
  type TokenRecord,
} from './session-store/types.ts';
import { clearSignOutPending, finishPendingSignOut, signOutPending } from './signout-pending.ts';

export interface BffContext {
  readonly config: BffConfig;
  readonly store: SessionStore;
  readonly oidc: OidcClient;
  readonly refresher: SessionRefresher;
  /** Epoch milliseconds; injectable so tests can move the BFF's clock. */
  readonly now: () => number;
}

/** 256 random bits, base64url: the session id the browser holds. */
export function newSessionId(): string {
  return randomBytes(32).toString('base64url');
}

/** Our ids are 43 base64url characters (see newSessionId). */
export function isSessionId(value: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(value);
}

/**
 * How often a request touches its session (restarts the idle timeout in the store): at most every
 * 1/20 of the idle timeout, and at least every minute. A store write per request would cost a
 * round trip for nothing; with a 5 s idle timeout this is every 250 ms.
 */
export function touchInterval(config: Pick<BffConfig, 'sessionIdleTimeoutMs'>): number {
  return Math.min(60_000, config.sessionIdleTimeoutMs / 20);
}

/**
 * A request that is the user's own activity (`GET /bff/session`, the app's "Stay signed in")
 * touches its session whenever this long has passed since the last touch, whatever the throttle.
 */
export const ACTIVITY_TOUCH_MS = 1000;

export interface RequireSessionOptions {
  /**
   * The request counts as the user's activity: the session is touched once ACTIVITY_TOUCH_MS
   * have passed since the last touch, not only past `touchInterval`.
   */
  readonly activity?: boolean;
}

/** The live session of a request, as `requireSession` found (and touched) it. */
export interface LiveSession extends SessionRecord {
  /**
   * When this request read the session (epoch ms, BFF clock): the time of its touch, if it
   * touched. `idleExpiresIn` counts from here, so a request that touched answers the whole idle
   * timeout.
   */
  readonly seenAt: number;
}

/**
 * The session of this request, or 401 (no_session / session_ended). Touches it when due; the
 * record returned has `lastSeenAt` as this request left it. A pending sign-out of the app
 * (signout-pending.ts) is finished first: the session ends and the request is answered as
 * signed out.
 */
export async function requireSession(
  context: BffContext,
  request: FastifyRequest,
  reply: FastifyReply,
  options: RequireSessionOptions = {},
): Promise<LiveSession> {
  const names = cookieNames(context.config);
  const id = request.cookies[names.session];
  // Anything that is not an id we issued is not worth a store round trip.
  const pending = signOutPending(context.config, request);
  if (!id || !isSessionId(id)) {
    if (id !== undefined) reply.clearCookie(names.session, cookieOptions(context.config));
    // Nothing to end: the app's pending sign-out is done.
    if (pending) clearSignOutPending(context.config, reply);
    throw new NoSessionError();
  }
  if (pending) {
    const ended = await finishPendingSignOut(context, request, reply, id);
    reply.clearCookie(names.session, cookieOptions(context.config));
    // As at /bff/logout: a sign-in started before the sign-out cannot complete after it.
    clearLoginBindings(context.config, request, reply);
    throw ended;
  }
  const lookup = await context.store.getSession(id);
  if (lookup.state !== 'active') {
    // The cookie stays. This answer may reach the browser after a sign-in in another tab set a
    // new cookie (that sign-in is what ended this session), and a browser applies a late answer's
    // Set-Cookie too: clearing here would sign it out of the session it just made. A dead id
    // costs one store lookup per request until the cookie expires or the next sign-in replaces it.
    throw lookup.state === 'ended' ? new SessionEndedError(lookup.reason) : new NoSessionError();
  }
  const { session } = lookup;
  const now = context.now();
  const elapsed = now - session.lastSeenAt;
  const due =
    elapsed > touchInterval(context.config) ||
    (options.activity === true && elapsed >= ACTIVITY_TOUCH_MS);
  if (!due) return { ...session, seenAt: now };
  await context.store.touchSession(id, now);
  // As the store now has it (a touch never moves lastSeenAt back).
  return { ...session, lastSeenAt: Math.max(session.lastSeenAt, now), seenAt: now };
}

/**
 * When the session ends unless it is used again: its idle timeout from the last touch, never
 * past its absolute lifetime (epoch ms, BFF clock). The store expires it at the same instant.
 */
export function idleDeadline(
  config: Pick<BffConfig, 'sessionIdleTimeoutMs' | 'sessionAbsoluteLifetimeMs'>,
  session: Pick<SessionRecord, 'createdAt' | 'lastSeenAt'>,
): number {
  return sessionExpiresAt(session, {
    idleTimeoutMs: config.sessionIdleTimeoutMs,
    absoluteLifetimeMs: config.sessionAbsoluteLifetimeMs,
  });
}

/** Whole seconds from `now` until `at`, rounded down, 0 once past. */
export function secondsLeft(at: number, now: number): number {
  return Math.max(0, Math.floor((at - now) / 1000));
}

/** Protocol claims the app has no use for; everything else describes the user. */
const PROTOCOL_CLAIMS = new Set([
  'iss',
  'aud',
  'exp',
  'iat',
  'nbf',
  'nonce',
  'at_hash',
  'c_hash',
  's_hash',
  'sid',
  'azp',
  'auth_time',
  'acr',
  'amr',
  'jti',
]);

export interface SessionView {
  readonly user: Record<string, unknown>;
  /** Whole seconds the access token has left on the BFF's clock (0 when expired). */
  readonly accessTokenExpiresIn: number;
  readonly version: number;
  /** Seconds until the session ends even if used (absolute lifetime). */
  readonly sessionExpiresIn: number;
  /**
   * Whole seconds until the session ends unless used again: the idle timeout from the last touch
   * (this request's included), never past the absolute end; 0 when over.
   */
  readonly idleExpiresIn: number;
  /** The idle timeout in seconds (SESSION_IDLE_TIMEOUT): how far a request moves the end. */
  readonly idleTimeout: number;
}

export function sessionView(
  context: Pick<BffContext, 'config' | 'now'>,
  session: SessionRecord & { readonly seenAt?: number },
  tokens: TokenRecord = session.tokens,
): SessionView {
  const now = context.now();
  const sessionExpiresIn = secondsLeft(
    session.createdAt + context.config.sessionAbsoluteLifetimeMs,
    now,
  );
  const user = Object.fromEntries(
    // A step-up's claims (on the token record) over the sign-in's.
    Object.entries(sessionClaims(session, tokens)).filter(([name]) => !PROTOCOL_CLAIMS.has(name)),
  );
  return {
    user,
    accessTokenExpiresIn: Math.max(0, Math.floor((tokens.accessTokenExpiresAt - now) / 1000)),
    version: tokens.version,
    sessionExpiresIn,
    // From this request's touch (a "Stay signed in" answers the whole idle timeout), and never
    // past the absolute end as sessionExpiresIn says it.
    idleExpiresIn: Math.min(
      sessionExpiresIn,
      secondsLeft(idleDeadline(context.config, session), session.seenAt ?? now),
    ),
    idleTimeout: Math.floor(context.config.sessionIdleTimeoutMs / 1000),
  };
}
