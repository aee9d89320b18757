/**
 * The real dev provider and API on free ports, and BFF instances in front of them, for one test
 * file. The provider's app origin is the BFF's origin (the BFF serves the app), so the BFF's port
 * is picked first.
 */
import { startRedis } from './redis-server.ts';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';

import type { JWK } from 'jose';

import {
  BFF_CLIENT_ID,
  DEV_BFF_CLIENT_SECRET,
} from '../../../dev-backend/identity-provider/bff-client.ts';
import {
  startIdentityProvider,
  type RunningIdentityProvider,
} from '../../../dev-backend/identity-provider/server.ts';
import type { ProviderQuirks } from '../../../dev-backend/identity-provider/provider-quirks.ts';
import { generateSigningKey } from '../../../dev-backend/identity-provider/signing-key.ts';
import {
  startResourceApi,
  type RunningResourceApi,
} from '../../../dev-backend/resource-api/server.ts';
import { freePort } from '../../../dev-backend/shared/free-port.ts';
import { readConfig, type BffConfig } from '../../config.ts';
import { createOidcClient, type OidcClient } from '../../oidc.ts';
import { createBffServer, type BffServer } from '../../server.ts';
import { MemorySessionStore } from '../../session-store/memory.ts';
import type { RedisTopology } from '../../session-store/redis-connection.ts';
import { RedisSessionStore, type RedisStoreOptions } from '../../session-store/redis.ts';
import type { SessionStore } from '../../session-store/types.ts';

export const SCOPE = 'openid profile offline_access api';

export interface Stack {
  readonly idp: RunningIdentityProvider;
  readonly api: RunningResourceApi;
  /** The provider's private signing key, for forging logout tokens. */
  readonly signingKey: JWK;
  readonly bffPort: number;
  readonly origin: string;
  readonly staticDir: string;
  /** Environment for readConfig() pointing at this stack. */
  env(extra?: Record<string, string>): Record<string, string>;
  close(): Promise<void>;
}

export async function startStack({
  accessTokenTtl = 60,
  quirks,
}: { accessTokenTtl?: number; quirks?: ProviderQuirks } = {}): Promise<Stack> {
  const bffPort = await freePort();
  const apiPort = await freePort();
  const origin = `http://localhost:${bffPort}`;
  const signingKey = await generateSigningKey();
  const idp = await startIdentityProvider({
    signingKey,
    port: 0,
    appOrigin: origin,
    apiAudience: `http://localhost:${apiPort}`,
    accessTokenTtl,
    refreshTokenTtl: 86400,
    ...(quirks ? { quirks } : {}),
  });
  // A provider left running by a failed start would keep the test file's process alive for ever.
  const api = await startResourceApi({
    port: apiPort,
    issuer: idp.issuer,
    audience: `http://localhost:${apiPort}`,
    appOrigin: origin,
  }).catch(async (error: unknown) => {
    await idp.close();
    throw error;
  });
  const staticDir = mkdtempSync(join(tmpdir(), 'bff-app-'));
  writeFileSync(
    join(staticDir, 'index.html'),
    '<!doctype html><title>app</title><app-root></app-root>',
  );
  writeFileSync(join(staticDir, 'main.js'), 'console.log("app");');
  return {
    idp,
    api,
    signingKey,
    bffPort,
    origin,
    staticDir,
    env: (extra = {}) => ({
      BFF_PUBLIC_ORIGIN: origin,
      BFF_PORT: String(bffPort),
      OIDC_ISSUER: idp.issuer,
      OIDC_CLIENT_ID: quirks?.bffClientId ?? BFF_CLIENT_ID,
      OIDC_CLIENT_SECRET: DEV_BFF_CLIENT_SECRET,
      OIDC_SCOPE: SCOPE,
      BFF_API_UPSTREAM: `${api.url}/api/`,
      BFF_STATIC_DIR: staticDir,
      BFF_LOG_LEVEL: 'info',
      // Every test comes from one address (loopback): no limit unless a test sets one.
      BFF_RATE_LIMIT_LOGIN: '0',
      BFF_RATE_LIMIT_CALLBACK: '0',
      BFF_RATE_LIMIT_REFRESH: '0',
      BFF_RATE_LIMIT_BACKCHANNEL_LOGOUT: '0',
      BFF_LOGIN_PENDING_PER_CLIENT: '1000000',
      ...extra,
    }),
    close: async () => {
      await Promise.all([idp.close(), api.close()]);
    },
  };
}

export interface RunningBff extends BffServer {
  readonly config: BffConfig;
  readonly store: SessionStore;
  /** Everything the BFF logged. */
  log(): string;
  /** Moves the BFF's clock forward (its tokens look older). */
  advance(ms: number): void;
  close(): Promise<void>;
}

export interface BffOptions {
  readonly env?: Record<string, string>;
  readonly store?: SessionStore;
  /** Wraps the real OpenID client (to inject provider faults). */
  readonly wrapOidc?: (real: OidcClient) => OidcClient;
  /** Listen on the stack's BFF port (the provider's app origin); false: a free port. */
  readonly listen?: boolean;
}

/** Starts a BFF in this process; by default on the stack's port with a memory store. */
export async function startBff(stack: Stack, options: BffOptions = {}): Promise<RunningBff> {
  const config = readConfig(stack.env(options.env));
  let offset = 0;
  const now = () => Date.now() + offset;
  const store =
    options.store ??
    new MemorySessionStore({
      idleTimeoutMs: config.sessionIdleTimeoutMs,
      absoluteLifetimeMs: config.sessionAbsoluteLifetimeMs,
      loginLimits: config.loginLimits,
      maxSessions: config.memoryMaxSessions,
      now,
    });
  const logStream = new PassThrough();
  let logged = '';
  logStream.on('data', (chunk: Buffer) => (logged += chunk.toString()));
  const real = createOidcClient({
    issuer: config.issuer,
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    ...(config.clientAuth ? { clientAuth: config.clientAuth } : {}),
    scope: config.scope,
    redirectUri: `${config.publicOrigin}/bff/callback`,
    postLogoutRedirectUri: `${config.publicOrigin}/`,
    timeoutSeconds: config.providerTimeoutSeconds,
  });
  const oidc = options.wrapOidc ? options.wrapOidc(real) : real;
  const bff = await createBffServer({ config, store, now, logStream, oidc });
  await bff.server.listen({ port: options.listen === false ? 0 : config.port, host: '::' });
  return {
    ...bff,
    config,
    store,
    log: () => logged,
    advance: (ms) => (offset += ms),
    close: () => bff.server.close(),
  };
}

export interface RedisBffOptions extends Omit<BffOptions, 'store'> {
  /** The store's command timeout, also given to the BFF as BFF_STORE_TIMEOUT_MS. */
  readonly timeoutMs?: number;
  readonly loginLimits?: RedisStoreOptions['loginLimits'];
  readonly replicaAcks?: RedisStoreOptions['replicaAcks'];
  /** Wraps the connected store (to inject store faults). */
  readonly wrapStore?: (store: SessionStore) => SessionStore;
}

/** A BFF instance on the Redis at `redis` (a URL, or a cluster or Sentinel): several make one deployment. */
export async function startRedisBff(
  stack: Stack,
  redis: string | RedisTopology,
  { timeoutMs = 500, loginLimits, wrapStore, env, replicaAcks, ...options }: RedisBffOptions = {},
): Promise<RunningBff> {
  // The lifetimes the BFF reads (SESSION_IDLE_TIMEOUT, SESSION_ABSOLUTE_LIFETIME; by default
  // 30 min and 24 h), so that the store expires sessions when the BFF says they end.
  const lifetimes = readConfig(stack.env(env));
  const store = new RedisSessionStore({
    ...(typeof redis === 'string' ? { url: redis } : { topology: redis }),
    timeoutMs,
    idleTimeoutMs: lifetimes.sessionIdleTimeoutMs,
    absoluteLifetimeMs: lifetimes.sessionAbsoluteLifetimeMs,
    ...(loginLimits ? { loginLimits } : {}),
    // As config.ts: one replica's acknowledgement on a cluster or Sentinel.
    replicaAcks: replicaAcks ?? { replicas: typeof redis === 'string' ? 0 : 1, timeoutMs: 500 },
  });
  await store.connect();
  return startBff(stack, {
    ...options,
    store: wrapStore ? wrapStore(store) : store,
    env: { BFF_STORE_TIMEOUT_MS: String(timeoutMs), ...env },
  });
}

/** The address a BFF instance listens on (the first listens on the stack's origin, the others not). */
export function baseOf(bff: RunningBff): string {
  return `http://localhost:${(bff.server.server.address() as { port: number }).port}`;
}

/** A BFF started on one kind of store, and how to stop it (and the Redis it started). */
export interface BffOnStore {
  readonly name: 'in-memory store' | 'Redis store';
  start(): Promise<{ bff: RunningBff; stop(): Promise<void> }>;
}

/**
 * The same BFF on the in-memory store and on a Redis of its own, for suites that run once on each:
 * `env` for both, `wrapOidc` and `wrapStore` around each's provider client and store.
 */
export function bffOnEachStore(
  stack: () => Stack,
  options: Pick<RedisBffOptions, 'env' | 'wrapOidc' | 'wrapStore'> = {},
): readonly BffOnStore[] {
  const { wrapStore = (store: SessionStore) => store, ...bffOptions } = options;
  return [
    {
      name: 'in-memory store',
      start: async () => {
        const store = wrapStore(
          new MemorySessionStore({ idleTimeoutMs: 1_800_000, absoluteLifetimeMs: 86_400_000 }),
        );
        const bff = await startBff(stack(), { ...bffOptions, store });
        return { bff, stop: () => bff.close() };
      },
    },
    {
      name: 'Redis store',
      start: async () => {
        const redis = await startRedis();
        const bff = await startRedisBff(stack(), redis.url, { ...bffOptions, wrapStore }).catch(
          async (error: unknown) => {
            await redis.stop();
            throw error;
          },
        );
        return {
          bff,
          stop: async () => {
            await bff.close();
            await redis.stop();
          },
        };
      },
    },
  ];
}
