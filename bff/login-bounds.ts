/**
 * How the sign-in routes refuse a caller that passed a limit. `/bff/login` and `/bff/callback` are
 * navigations: a browser that gets 429 with a JSON body shows the user a page of JSON, so a
 * navigation is sent (303) to the app's login page with the reason (`rate_limited`, or `busy`
 * when the whole BFF is full), where the user reads what happened and can try again.
 * Anything else (a script, a flood, a bot; no `Sec-Fetch-Mode: navigate` and no HTML in Accept)
 * gets the status itself, 429 or 503 with the JSON error contract. Both carry Retry-After.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

import type { RateLimitedError, SignInLimitError } from './errors.ts';

type Refusal = RateLimitedError | SignInLimitError;

export function refuseSignIn(
  request: FastifyRequest,
  reply: FastifyReply,
  refusal: Refusal,
  returnPath: string,
): FastifyReply {
  reply.header('retry-after', String(refusal.retryAfterSeconds));
  // Not a navigation: the error handler answers with the status and the JSON contract.
  if (!isNavigation(request)) throw refusal;
  const reason = refusal.code === 'rate_limited' ? 'rate_limited' : 'busy';
  return reply.redirect(
    `/login?${new URLSearchParams({ returnUrl: returnPath, error: reason })}`,
    303,
  );
}

/** A top-level page load: Fetch Metadata says so, or (older browsers) it asks for HTML. */
export function isNavigation(request: FastifyRequest): boolean {
  const mode = request.headers['sec-fetch-mode'];
  if (typeof mode === 'string') return mode === 'navigate';
  return String(request.headers.accept ?? '').includes('text/html');
}
