/**
 * The session a page is rendered with. The page request carries the session cookie, so the BFF
 * knows the session as honestly as for an API call: the same lookup (`requireSession`), with a
 * pending sign-out of the app finished first, so a page never renders a session the user ended.
 * Only the answer differs: a page is rendered signed out instead of answered 401, and with a
 * store that cannot be reached the session is unknown (the page renders as if in browser mode,
 * and the browser asks again), never signed out.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

import { NoSessionError, SessionEndedError, UnavailableError } from './errors.ts';
import { requireSession, sessionView, type BffContext, type SessionView } from './session-http.ts';

/** Signed in (the session as `/bff/session` says it), signed out (null) or unknown (undefined). */
export type PageSession = SessionView | null | undefined;

export async function pageSession(
  context: BffContext,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<PageSession> {
  try {
    return sessionView(context, await requireSession(context, request, reply));
  } catch (error) {
    if (error instanceof NoSessionError || error instanceof SessionEndedError) return null;
    if (error instanceof UnavailableError) {
      request.log.warn(
        { error: error.code },
        'page rendered without its session: store unavailable',
      );
      return undefined;
    }
    throw error;
  }
}
