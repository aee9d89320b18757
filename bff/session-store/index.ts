/** The session store port and the factory that picks an implementation from the configuration. */
import type { BffConfig } from '../config.ts';
import { MemorySessionStore } from './memory.ts';
import { RedisSessionStore } from './redis.ts';
import type { SessionStore } from './types.ts';

export type * from './types.ts';
export { MemorySessionStore } from './memory.ts';
export { RedisSessionStore } from './redis.ts';

/**
 * Redis when one is configured (one server, a cluster or Sentinel), else the in-process store. A Redis that cannot be reached at
 * start-up does not stop the BFF: it answers 503 until the connection is up.
 */
export function createSessionStore(
  config: Pick<
    BffConfig,
    | 'redis'
    | 'storeTimeoutMs'
    | 'memoryMaxSessions'
    | 'redisReplicaAcks'
    | 'sessionIdleTimeoutMs'
    | 'sessionAbsoluteLifetimeMs'
    | 'loginLimits'
  >,
  onError: (error: Error) => void,
): SessionStore {
  const lifetimes = {
    idleTimeoutMs: config.sessionIdleTimeoutMs,
    absoluteLifetimeMs: config.sessionAbsoluteLifetimeMs,
    loginLimits: config.loginLimits,
  };
  if (config.redis === undefined)
    return new MemorySessionStore({ ...lifetimes, maxSessions: config.memoryMaxSessions });
  const store = new RedisSessionStore({
    ...lifetimes,
    topology: config.redis,
    replicaAcks: config.redisReplicaAcks,
    timeoutMs: config.storeTimeoutMs,
    onError,
  });
  // The client reconnects by itself; the first failure is reported through onError as well.
  store.connect().catch(onError);
  return store;
}
