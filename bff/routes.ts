/**
 * The BFF's own endpoints for the app: sign-in, callback, session, refresh, sign-out, health.
 * The JSON shapes and status codes are the error contract of README.md.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { clientKey } from './client-address.ts';
import { assertSameOrigin } from './csrf.ts';
import { BffError, NoSessionError, SessionEndedError, SignInLimitError } from './errors.ts';
import { clearLoginBindings, setLoginBinding, takeLoginBinding } from './login-binding.ts';
import { refuseSignIn } from './login-bounds.ts';
import { safeReturnPath } from './return-path.ts';
import { replacePreviousSession } from './session-replacement.ts';
import { classifySignInFailure, type SignInFailure } from './sign-in-failure.ts';
import { readStepUp, replaceTokensInPlace } from './step-up-sign-in.ts';
import { interactionNeeded, interactiveSignIn, readPrompt } from './prompt-none.ts';
import type { PendingLogin } from './session-store/types.ts';
import { cookieNames, cookieOptions } from './cookies.ts';
import {
  isSessionId,
  newSessionId,
  requireSession,
  sessionView,
  type BffContext,
} from './session-http.ts';
import { clearSignOutPending } from './signout-pending.ts';

export const CALLBACK_PATH = '/bff/callback';
export const BACKCHANNEL_LOGOUT_PATH = '/bff/backchannel-logout';

export function registerAppRoutes(server: FastifyInstance, context: BffContext): void {
  const { config, store, oidc, refresher } = context;
  const names = cookieNames(config);
  const csrf = async (request: FastifyRequest) => assertSameOrigin(request, config.publicOrigin);

  server.get('/bff/login', async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    const returnPath = safeReturnPath(query['returnUrl']);
    // RFC 9470 step-up: acr_values and max_age go to the provider only when they keep the rules.
    const step = readStepUp(query);
    if ('refused' in step) {
      request.log.warn({ stepUp: step.refused }, 'sign-in not started: invalid step-up parameter');
      return reply.redirect(loginPage(returnPath, { reason: 'invalid_step_up' }), 303);
    }
    const { stepUp } = step;
    // prompt=none (a silent sign-in, prompt-none.ts) is the only prompt a browser may ask for.
    const asked = readPrompt(query);
    if ('refused' in asked) {
      request.log.warn({ prompt: asked.refused }, 'sign-in not started: invalid prompt parameter');
      return reply.redirect(loginPage(returnPath, { reason: 'invalid_prompt' }), 303);
    }
    const { prompt } = asked;
    try {
      const start = await oidc.startAuthorization(stepUp, prompt);
      // Ties the callback to this browser: a callback URL planted by someone else (login CSRF)
      // arrives without the cookie and is refused. One cookie per sign-in, so tabs never collide.
      const bindingHash = setLoginBinding(config, request, reply, start.state, context.now());
      await store.putLogin(
        {
          state: start.state,
          nonce: start.nonce,
          codeVerifier: start.codeVerifier,
          returnPath,
          bindingHash,
          ...(stepUp ? { stepUp } : {}),
          ...(prompt ? { prompt } : {}),
        },
        clientKey(request),
      );
      return reply.redirect(start.url.href, 303);
    } catch (error) {
      // Too many sign-ins in progress (this address's or all): refused, none evicted.
      if (error instanceof SignInLimitError) return refuseSignIn(request, reply, error, returnPath);
      // A navigation, not an XHR: send the user back to the app's login page with a reason.
      const failure = await classifySignInFailure(error);
      request.log.warn({ failure: failure.log }, 'sign-in could not start');
      return reply.redirect(loginPage(returnPath, failure), 303);
    }
  });

  server.get(CALLBACK_PATH, async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    const state = typeof query['state'] === 'string' ? query['state'] : undefined;
    // Only this sign-in's binding is used up: another tab's sign-in in progress keeps its own.
    const bindingHash = state ? takeLoginBinding(config, request, reply, state) : undefined;
    let returnPath = '/';
    let pending: PendingLogin | undefined;
    try {
      pending = state ? await store.takeLogin(state) : undefined;
      if (!pending || !bindingHash || bindingHash !== pending.bindingHash) {
        request.log.warn(
          { pending: Boolean(pending), bindingCookie: Boolean(bindingHash) },
          'sign-in callback does not belong to a sign-in this browser started',
        );
        return reply.redirect(loginPage(returnPath, { reason: 'state_mismatch' }), 303);
      }
      returnPath = pending.returnPath;
      const callbackUrl = new URL(request.url, config.publicOrigin);
      const tokens = await oidc.finishAuthorization(callbackUrl, pending);
      const sid = typeof tokens.claims['sid'] === 'string' ? tokens.claims['sid'] : undefined;
      const sub = String(tokens.claims['sub']);
      // A step-up of the browser's session (same user, same provider session) keeps the session:
      // its tokens are replaced in place, the cookie stays. See step-up-sign-in.ts.
      const kept = await replaceTokensInPlace(context, request, pending, tokens, {
        sub,
        ...(sid === undefined ? {} : { sid }),
      });
      if (kept) return reply.redirect(returnPath, 303);
      const now = context.now();
      const id = newSessionId();
      // A new id at every sign-in (no fixation). The session the browser had (another tab's
      // sign-in that completed first, or an older one) is replaced: see session-replacement.ts.
      await replacePreviousSession(
        context,
        request.cookies[names.session],
        { id, sub, ...(sid === undefined ? {} : { sid }) },
        request.log,
      );
      await store.createSession({
        id,
        sub,
        ...(sid === undefined ? {} : { sid }),
        claims: tokens.claims,
        createdAt: now,
        tokens: {
          version: 1,
          accessToken: tokens.accessToken,
          receivedAt: now,
          accessTokenExpiresAt: now + tokens.expiresIn * 1000,
          ...(tokens.refreshToken ? { refreshToken: tokens.refreshToken } : {}),
          ...(tokens.idToken ? { idToken: tokens.idToken } : {}),
        },
      });
      reply.setCookie(names.session, id, cookieOptions(config));
      return reply.redirect(returnPath, 303);
    } catch (error) {
      // A silent sign-in (prompt=none) the provider cannot complete without the user: go on to
      // an interactive one for the same return path and step-up, never silent again.
      const needed = interactionNeeded(pending, error);
      if (pending && needed) {
        request.log.info(
          { error: needed },
          'silent sign-in needs the user: going on to an interactive sign-in',
        );
        return reply.redirect(interactiveSignIn(pending), 303);
      }
      // The provider's status, error and description go to the log; the page gets the reason.
      const failure = await classifySignInFailure(error);
      request.log.warn({ failure: failure.log }, `sign-in failed: ${failure.reason}`);
      return reply.redirect(loginPage(returnPath, failure), 303);
    }
  });

  server.get('/bff/session', { onRequest: csrf }, async (request, reply) => {
    // Signed out is a normal state, not an error: 200 with no user (and why, when it ended).
    // Asking is the user's activity ("Stay signed in"): it restarts the idle timeout whenever a
    // second has passed since the last touch, not only when the throttle says so.
    const session = await requireSession(context, request, reply, { activity: true }).catch(
      signedOutAnswer,
    );
    return 'answer' in session ? session.answer : sessionView(context, session);
  });

  server.post('/bff/refresh', { onRequest: csrf }, async (request, reply) => {
    const body = request.body as { version?: unknown } | undefined;
    const seen = body?.version;
    if (typeof seen !== 'number' || !Number.isSafeInteger(seen) || seen < 0) {
      throw new BffError(
        'bad_request',
        400,
        'body must be {"version": <the session version the app holds>}',
      );
    }
    const session = await requireSession(context, request, reply);
    // Another tab (or a proxied call) already moved past the version the app saw: no refresh.
    if (session.tokens.version > seen)
      return { ...sessionView(context, session), refreshed: false };
    // A version from the future is not one the app can hold: count it as the current one, so a
    // bogus number cannot buy more than the one refresh a current version gets.
    // A 401 leaves the cookie as it is: see requireSession.
    const tokens = await refresher.refresh(session.id, Math.min(seen, session.tokens.version));
    return { ...sessionView(context, session, tokens), refreshed: true };
  });

  server.post('/bff/logout', { onRequest: csrf }, async (request, reply) => {
    const id = request.cookies[names.session];
    const lookup = id && isSessionId(id) ? await store.getSession(id) : undefined;
    // A sign-in this browser started before signing out must not complete after it: its
    // binding cookies go, so its callback is refused.
    clearLoginBindings(config, request, reply);
    if (!id || lookup?.state !== 'active') {
      reply.clearCookie(names.session, cookieOptions(config));
      clearSignOutPending(config, reply);
      return { endSessionUrl: null };
    }
    const { tokens } = lookup.session;
    // End it first: from here on no request of any instance can use these tokens. The cookie
    // goes only once that worked: a 503 keeps the session, and the app may try again.
    await store.endSession(id, 'signed_out');
    reply.clearCookie(names.session, cookieOptions(config));
    clearSignOutPending(config, reply);
    const revocation = tokens.refreshToken
      ? await oidc.revoke(tokens.refreshToken).catch((error: unknown) => {
          request.log.warn({ error: errorSummary(error) }, 'refresh token revocation failed');
          return 'failed' as const;
        })
      : 'revoked';
    if (revocation === 'no_endpoint') {
      request.log.warn(NOT_REVOKED_MESSAGE);
    }
    // The one place a token passes through the browser: id_token_hint in the end-session URL.
    const endSessionUrl = await oidc.endSessionUrl(tokens.idToken).catch(() => undefined);
    return {
      endSessionUrl: endSessionUrl ?? null,
      // False only when the provider has no revocation endpoint: the app says so at sign-out.
      refreshTokenRevoked: revocation !== 'no_endpoint',
    };
  });

  server.get('/bff/health', async (_request, reply) => {
    try {
      await store.ping();
      return { status: 'ok', store: 'up' };
    } catch {
      // Reachability only: the error itself could name hosts or addresses.
      return reply.code(503).send({ status: 'unavailable', store: 'down' });
    }
  });
}

/** `GET /bff/session` without a live session: `{"user": null}`, with `reason` when it ended. */
function signedOutAnswer(error: unknown): { answer: { user: null; reason?: string } } {
  if (error instanceof SessionEndedError) return { answer: { user: null, reason: error.reason } };
  if (error instanceof NoSessionError) return { answer: { user: null } };
  // 503 and the rest keep their meaning: the app cannot tell whether a session lives.
  throw error;
}

/** The app's login page with the reason (and the provider's error code) for it to explain. */
function loginPage(
  returnPath: string,
  failure: Pick<SignInFailure, 'reason' | 'providerError'>,
): string {
  const query = new URLSearchParams({ returnUrl: returnPath, error: failure.reason });
  if (failure.providerError) query.set('detail', failure.providerError);
  return `/login?${query}`;
}

const NOT_REVOKED_MESSAGE =
  "signed out, but the provider's refresh token could not be revoked: the provider has no " +
  'revocation endpoint, so it stays valid there until it expires (leave offline_access out of ' +
  'OIDC_SCOPE, or keep refresh tokens short-lived at the provider)';

/** Name and message only: provider errors can carry whole responses. */
export function errorSummary(error: unknown): { type: string; message: string } {
  return error instanceof Error
    ? { type: error.name, message: error.message }
    : { type: typeof error, message: String(error) };
}
