/**
 * A `@fastify/rate-limit` store over the BFF's session store: the counters live where the
 * sessions live (in process, or in Redis through the BFF's own node-redis client, its timeouts
 * and its reconnects), so with `REDIS_URL` every instance counts against the same limit, and
 * the two stores count the same way (one fixed window per key, started by its first request;
 * see `SessionStore.countRequest`). The plugin's own Redis store needs ioredis.
 */
import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';

import type { SessionStore } from '../session-store/types.ts';

/** The store class the plugin instantiates; `onError` hears every failed count. */
export function sessionStoreRateLimitStore(
  store: SessionStore,
  onError: (error: unknown) => void,
): FastifyRateLimitStoreCtor {
  class SessionStoreRateLimitStore implements FastifyRateLimitStore {
    incr(
      key: string,
      callback: (error: Error | null, result?: { current: number; ttl: number }) => void,
      timeWindow: number,
    ): void {
      store.countRequest(key, timeWindow).then(
        ({ count, resetInMs }) => callback(null, { current: count, ttl: resetInMs }),
        (error: unknown) => {
          // Reported here, then skipped by the plugin (skipOnError): see register.ts.
          onError(error);
          callback(error instanceof Error ? error : new Error(String(error)));
        },
      );
    }

    // Route limits are told apart by their key (register.ts prefixes the route's name).
    child(): FastifyRateLimitStore {
      return new SessionStoreRateLimitStore();
    }
  }
  return SessionStoreRateLimitStore;
}
