/**
 * Rate limits on the routes an anonymous caller can reach and that cost the BFF work or state:
 * `/bff/login` (a pending sign-in), `/bff/callback` (a token request), `/bff/refresh` and
 * `/bff/backchannel-logout` (provider requests, store writes). Per client address (client-address.ts)
 * and route, a fixed window of `BFF_RATE_LIMIT_WINDOW` seconds, counted in the session store so
 * that instances on one Redis share the limits. Over the limit: 429 `rate_limited` with
 * Retry-After; navigations go to the login page instead (login-bounds.ts).
 *
 * A store that cannot be reached while counting fails OPEN with a logged warning: the counter
 * only protects the routes behind it, which need the same store and answer 503 on their own
 * when it is down; refusing every request because the counter is down would turn a Redis blip
 * into an outage of sign-in for everyone. The bound on sign-ins in progress is enforced by the
 * store itself when it writes, so it cannot fail open.
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';

import { clientKey } from '../client-address.ts';
import type { RateLimits } from '../config.ts';
import { RateLimitedError } from '../errors.ts';
import { refuseSignIn } from '../login-bounds.ts';
import { BACKCHANNEL_LOGOUT_PATH, CALLBACK_PATH, errorSummary } from '../routes.ts';
import { safeReturnPath } from '../return-path.ts';
import type { SessionStore } from '../session-store/types.ts';
import { sessionStoreRateLimitStore } from './session-store-rate-limit-store.ts';

interface LimitedRoute {
  readonly url: string;
  readonly name: keyof Omit<RateLimits, 'windowMs'>;
  /** Answered with a redirect to the login page when the caller is a browser navigation. */
  readonly navigation: boolean;
}

const LIMITED_ROUTES: readonly LimitedRoute[] = [
  { url: '/bff/login', name: 'login', navigation: true },
  { url: CALLBACK_PATH, name: 'callback', navigation: true },
  { url: '/bff/refresh', name: 'refresh', navigation: false },
  { url: BACKCHANNEL_LOGOUT_PATH, name: 'backchannelLogout', navigation: false },
];

/** Call before the routes are registered: it adds a first onRequest hook to each limited route. */
export async function registerRateLimits(
  server: FastifyInstance,
  store: SessionStore,
  limits: RateLimits,
): Promise<void> {
  await server.register(rateLimit, {
    global: false,
    store: sessionStoreRateLimitStore(store, (error) => {
      server.log.warn({ error: errorSummary(error) }, 'rate limit not checked: store unavailable');
    }),
    skipOnError: true,
  });
  const hooks = new Map<string, onRequestHookHandler>();
  for (const route of LIMITED_ROUTES) {
    const max = limits[route.name];
    if (max === 0) continue;
    const check = server.createRateLimit({
      max,
      timeWindow: limits.windowMs,
      keyGenerator: (request) => `${route.name}:${clientKey(request)}`,
    });
    hooks.set(route.url, async (request: FastifyRequest, reply: FastifyReply) => {
      const result = await check(request);
      if (result.isAllowed || !result.isExceeded) return;
      const refusal = new RateLimitedError(Math.max(1, result.ttlInSeconds));
      if (route.navigation) {
        // The callback's return path is in the pending record it did not read: the default.
        const query = request.query as Record<string, unknown>;
        const returnPath = route.name === 'login' ? safeReturnPath(query['returnUrl']) : '/';
        return refuseSignIn(request, reply, refusal, returnPath);
      }
      reply.header('retry-after', String(refusal.retryAfterSeconds));
      throw refusal;
    });
  }
  server.addHook('onRoute', (routeOptions) => {
    const hook = hooks.get(routeOptions.url ?? '');
    if (!hook) return;
    const existing = routeOptions.onRequest;
    routeOptions.onRequest = [
      hook,
      ...(Array.isArray(existing) ? existing : existing ? [existing] : []),
    ];
  });
}
