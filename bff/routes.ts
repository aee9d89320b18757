/**
 * The BFF's own endpoints for the app: sign-in, callback, session, refresh, sign-out, health.
 * The JSON shapes and status codes are the error contract of README.md.
 */
import { AuthorizationResponseError } from 'openid-client';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { assertSameOrigin } from './csrf.ts';
import { BffError, UnavailableError } from './errors.ts';
import { setLoginBinding, takeLoginBinding } from './login-binding.ts';
import { safeReturnPath } from './return-path.ts';
import { replacePreviousSession } from './session-replacement.ts';
import {
  cookieNames,
  cookieOptions,
  isSessionId,
  newSessionId,
  requireSession,
  sessionView,
  type BffContext,
} from './session-http.ts';

export const CALLBACK_PATH = '/bff/callback';
export const BACKCHANNEL_LOGOUT_PATH = '/bff/backchannel-logout';

export function registerAppRoutes(server: FastifyInstance, context: BffContext): void {
  const { config, store, oidc, refresher } = context;
  const names = cookieNames(config);
  const csrf = async (request: FastifyRequest) => assertSameOrigin(request, config.publicOrigin);

  server.get('/bff/login', async (request, reply) => {
    const returnPath = safeReturnPath((request.query as Record<string, unknown>)['returnUrl']);
    try {
      const start = await oidc.startAuthorization();
      // Ties the callback to this browser: a callback URL planted by someone else (login CSRF)
      // arrives without the cookie and is refused. One cookie per sign-in, so tabs never collide.
      const bindingHash = setLoginBinding(config, request, reply, start.state, context.now());
      await store.putLogin({
        state: start.state,
        nonce: start.nonce,
        codeVerifier: start.codeVerifier,
        returnPath,
        bindingHash,
      });
      return reply.redirect(start.url.href, 303);
    } catch (error) {
      // A navigation, not an XHR: send the user back to the app's login page with a reason.
      request.log.warn({ error: errorSummary(error) }, 'sign-in could not start');
      return reply.redirect(loginPage(returnPath, 'unavailable'), 303);
    }
  });

  server.get(CALLBACK_PATH, async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    const state = typeof query['state'] === 'string' ? query['state'] : undefined;
    // Only this sign-in's binding is used up: another tab's sign-in in progress keeps its own.
    const bindingHash = state ? takeLoginBinding(config, request, reply, state) : undefined;
    let returnPath = '/';
    try {
      const pending = state ? await store.takeLogin(state) : undefined;
      if (!pending || !bindingHash || bindingHash !== pending.bindingHash) {
        return reply.redirect(loginPage(returnPath, 'login_failed'), 303);
      }
      returnPath = pending.returnPath;
      const callbackUrl = new URL(request.url, config.publicOrigin);
      const tokens = await oidc.finishAuthorization(callbackUrl, pending);
      const now = context.now();
      const id = newSessionId();
      const sid = typeof tokens.claims['sid'] === 'string' ? tokens.claims['sid'] : undefined;
      const sub = String(tokens.claims['sub']);
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
      const reason = error instanceof UnavailableError ? 'unavailable' : 'login_failed';
      const denied = error instanceof AuthorizationResponseError;
      request.log.warn(
        { error: errorSummary(error) },
        denied ? 'sign-in refused by the provider' : 'sign-in failed',
      );
      return reply.redirect(loginPage(returnPath, reason), 303);
    }
  });

  server.get('/bff/session', { onRequest: csrf }, async (request, reply) => {
    const session = await requireSession(context, request, reply);
    return sessionView(context, session);
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
    const tokens = await refresher
      .refresh(session.id, Math.min(seen, session.tokens.version))
      .catch((error: unknown) => {
        if (error instanceof BffError && error.status === 401)
          reply.clearCookie(names.session, cookieOptions(config));
        throw error;
      });
    return { ...sessionView(context, session, tokens), refreshed: true };
  });

  server.post('/bff/logout', { onRequest: csrf }, async (request, reply) => {
    const id = request.cookies[names.session];
    const lookup = id && isSessionId(id) ? await store.getSession(id) : undefined;
    if (!id || lookup?.state !== 'active') {
      reply.clearCookie(names.session, cookieOptions(config));
      return { endSessionUrl: null };
    }
    const { tokens } = lookup.session;
    // End it first: from here on no request of any instance can use these tokens. The cookie
    // goes only once that worked: a 503 keeps the session, and the app may try again.
    await store.endSession(id, 'signed_out');
    reply.clearCookie(names.session, cookieOptions(config));
    if (tokens.refreshToken) {
      await oidc.revoke(tokens.refreshToken).catch((error: unknown) => {
        request.log.warn({ error: errorSummary(error) }, 'refresh token revocation failed');
      });
    }
    // The one place a token passes through the browser: id_token_hint in the end-session URL.
    const endSessionUrl = await oidc.endSessionUrl(tokens.idToken).catch(() => undefined);
    return { endSessionUrl: endSessionUrl ?? null };
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

function loginPage(returnPath: string, error: string): string {
  return `/login?${new URLSearchParams({ returnUrl: returnPath, error })}`;
}

/** Name and message only: provider errors can carry whole responses. */
export function errorSummary(error: unknown): { type: string; message: string } {
  return error instanceof Error
    ? { type: error.name, message: error.message }
    : { type: typeof error, message: String(error) };
}
