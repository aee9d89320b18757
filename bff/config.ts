/**
 * The BFF's configuration, read from the environment once at start-up. A missing or malformed
 * variable stops the process with a message naming it: a BFF that guesses its issuer, its secret
 * or where tokens may go is worse than one that does not start.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { isClientAuthMethod, type ClientAuthMethod } from './client-auth.ts';
import { ConfigError } from './errors.ts';
import type { RedisTopology } from './session-store/redis-connection.ts';
import { readTrustProxy, type TrustProxy } from './trust-proxy.ts';

export interface ApiRoute {
  /** Path prefix on the BFF, e.g. `/api/`; always starts and ends with `/`. */
  readonly prefix: string;
  /** Where the prefix maps to, e.g. `http://localhost:3000/api/`; ends with `/`. */
  readonly upstream: URL;
  /** Upper-case methods the proxy forwards; anything else gets 405. */
  readonly methods: ReadonlySet<string>;
}

export interface BffConfig {
  /** The origin the browser sees, e.g. `http://localhost:4200`; cookies and CSRF checks use it. */
  readonly publicOrigin: string;
  /** True when the public origin is a loopback host (dev): plain http and no `__Host-` cookie. */
  readonly loopback: boolean;
  readonly port: number;
  readonly host: string;
  readonly issuer: URL;
  readonly clientId: string;
  readonly clientSecret: string;
  /** OIDC_CLIENT_AUTH; undefined: chosen from discovery when unambiguous (client-auth.ts). */
  readonly clientAuth: ClientAuthMethod | undefined;
  /** Without offline_access unless configured: refresh tokens that outlive sign-out are opt-in. */
  readonly scope: string;
  /** Seconds before the provider's answer counts as lost. */
  readonly providerTimeoutSeconds: number;
  readonly api: ApiRoute;
  /** The built app's browser files; `index.html` inside unless the app renders on the server. */
  readonly staticDir: string;
  /**
   * The app's server build (BFF_SSR_ENTRY; by default `server/server.mjs` next to the browser
   * files when there is one): pages are rendered by it. Undefined: a client-rendered app, whose
   * every route is `index.html`.
   */
  readonly ssrEntry: string | undefined;
  readonly postLogoutPath: string;
  readonly sessionIdleTimeoutMs: number;
  readonly sessionAbsoluteLifetimeMs: number;
  /** A proxied call refreshes first when the access token has less than this left. */
  readonly refreshLeewayMs: number;
  /** Largest request body forwarded to the API. */
  readonly proxyBodyLimit: number;
  /** Where Redis is (one server, a cluster or Sentinel), or undefined for the in-process store. */
  readonly redis: RedisTopology | undefined;
  /** Longest wait for one store command before answering 503. */
  readonly storeTimeoutMs: number;
  /**
   * Sessions the in-process store holds (BFF_MEMORY_MAX_SESSIONS); past it a sign-in is refused
   * with 503 and nobody is signed out. Unused with Redis.
   */
  readonly memoryMaxSessions: number;
  /**
   * Replicas that must hold a refresh token write before it counts, and the longest wait for
   * them (REDIS_REPLICA_ACKS, REDIS_REPLICA_ACK_TIMEOUT_MS): 1 on a cluster or Sentinel, 0 on
   * one server. No acknowledgement in time answers 503, never a sign-out.
   */
  readonly redisReplicaAcks: { readonly replicas: number; readonly timeoutMs: number };
  /** Expiry of the per-session refresh lock (extended while the holder works). */
  readonly refreshLockTtlMs: number;
  readonly logLevel: string;
  /** Which proxies in front of the BFF may name the client (X-Forwarded-For); see trust-proxy.ts. */
  readonly trustProxy: TrustProxy;
  /** Bounds on sign-ins in progress (pending records), per client address and in total. */
  readonly loginLimits: LoginLimits;
  /** Requests per client address and window on the BFF's sign-in, refresh and logout routes. */
  readonly rateLimits: RateLimits;
}

export interface LoginLimits {
  /** Sign-ins in progress one client address may hold; the next one gets 429. */
  readonly perClient: number;
  /** Sign-ins in progress the whole BFF (all instances on one Redis) holds; the next one gets 503. */
  readonly total: number;
}

export interface RateLimits {
  readonly windowMs: number;
  /** Requests per client address and window; 0 turns a route's limit off. */
  readonly login: number;
  readonly callback: number;
  readonly refresh: number;
  readonly backchannelLogout: number;
}

/** Shortest SESSION_IDLE_TIMEOUT and SESSION_ABSOLUTE_LIFETIME, in seconds. */
export const MIN_SESSION_SECONDS = 5;

/** Body limit of the BFF's own routes: they take at most a small JSON object. */
export const OWN_BODY_LIMIT = 8 * 1024;

type Environment = Readonly<Record<string, string | undefined>>;

/** Reads and validates the configuration. Pass an explicit environment in tests. */
export function readConfig(env: Environment = process.env, cwd = process.cwd()): BffConfig {
  const publicOrigin = readOrigin(env, 'BFF_PUBLIC_ORIGIN');
  const loopback = isLoopbackHost(new URL(publicOrigin).hostname);
  if (!loopback && !publicOrigin.startsWith('https:')) {
    // The session cookie is Secure everywhere but on loopback; over http it would never be sent.
    throw new ConfigError(
      `BFF_PUBLIC_ORIGIN must be https unless on loopback, got ${publicOrigin}`,
    );
  }
  const issuer = readUrl(env, 'OIDC_ISSUER');
  if (issuer.protocol !== 'https:' && !isLoopbackHost(issuer.hostname)) {
    throw new ConfigError(`OIDC_ISSUER must be https unless on loopback, got ${issuer.href}`);
  }
  const staticDir = resolve(cwd, optional(env, 'BFF_STATIC_DIR') ?? 'dist/oidc-session/browser');
  const ssrEntry = readSsrEntry(env, cwd, staticDir);
  if (!ssrEntry && !existsSync(join(staticDir, 'index.html'))) {
    throw new ConfigError(
      `BFF_STATIC_DIR has no index.html and no server build beside it (build the app first): ${staticDir}`,
    );
  }
  const defaultPort = Number(new URL(publicOrigin).port || (loopback ? 80 : 443));
  // Down to 5 s, for tests and demos of the session's end; production keeps the defaults. The
  // touch throttle (session-http.ts) is idle/20 below 20 minutes, so a short timeout still holds.
  const idleSeconds = readInteger(
    env,
    'SESSION_IDLE_TIMEOUT',
    1800,
    MIN_SESSION_SECONDS,
    31_536_000,
  );
  const absoluteSeconds = readInteger(
    env,
    'SESSION_ABSOLUTE_LIFETIME',
    86_400,
    MIN_SESSION_SECONDS,
    31_536_000,
  );
  if (absoluteSeconds < idleSeconds) {
    throw new ConfigError(
      'SESSION_ABSOLUTE_LIFETIME must not be shorter than SESSION_IDLE_TIMEOUT',
    );
  }
  return {
    publicOrigin,
    loopback,
    port: readInteger(env, 'BFF_PORT', defaultPort, 0, 65535),
    // Loopback only unless told otherwise (a deployment behind a proxy sets `BFF_HOST=::` or an
    // interface address); Fastify listens on both 127.0.0.1 and ::1 for `localhost`.
    host: optional(env, 'BFF_HOST') ?? 'localhost',
    issuer,
    clientId: required(env, 'OIDC_CLIENT_ID'),
    clientSecret: required(env, 'OIDC_CLIENT_SECRET'),
    clientAuth: readClientAuth(env),
    scope: optional(env, 'OIDC_SCOPE') ?? DEFAULT_SCOPE,
    providerTimeoutSeconds: readInteger(env, 'OIDC_TIMEOUT', 10, 1, 120),
    api: readApiRoute(env),
    staticDir,
    ssrEntry,
    postLogoutPath: readPath(env, 'BFF_POST_LOGOUT_PATH', '/'),
    sessionIdleTimeoutMs: idleSeconds * 1000,
    sessionAbsoluteLifetimeMs: absoluteSeconds * 1000,
    refreshLeewayMs: readInteger(env, 'BFF_REFRESH_LEEWAY', 10, 0, 3600) * 1000,
    proxyBodyLimit: readInteger(env, 'BFF_BODY_LIMIT', 1_048_576, 1024, 104_857_600),
    redis: readRedisTopology(env),
    storeTimeoutMs: readInteger(env, 'BFF_STORE_TIMEOUT_MS', 2000, 100, 60_000),
    memoryMaxSessions: readInteger(env, 'BFF_MEMORY_MAX_SESSIONS', 50_000, 1, 10_000_000),
    redisReplicaAcks: {
      replicas: readInteger(
        env,
        'REDIS_REPLICA_ACKS',
        env['REDIS_CLUSTER_NODES'] || env['REDIS_SENTINELS'] ? 1 : 0,
        0,
        16,
      ),
      timeoutMs: readInteger(env, 'REDIS_REPLICA_ACK_TIMEOUT_MS', 500, 10, 10_000),
    },
    refreshLockTtlMs: readInteger(env, 'BFF_REFRESH_LOCK_TTL_MS', 5000, 500, 60_000),
    logLevel: optional(env, 'BFF_LOG_LEVEL') ?? 'info',
    trustProxy: readTrustProxy(optional(env, 'BFF_TRUST_PROXY')),
    loginLimits: {
      perClient: readInteger(env, 'BFF_LOGIN_PENDING_PER_CLIENT', 20, 1, 1_000_000),
      total: readInteger(env, 'BFF_LOGIN_PENDING_MAX', 10_000, 1, 10_000_000),
    },
    rateLimits: {
      windowMs: readInteger(env, 'BFF_RATE_LIMIT_WINDOW', 60, 1, 86_400) * 1000,
      login: readInteger(env, 'BFF_RATE_LIMIT_LOGIN', 30, 0, 1_000_000),
      callback: readInteger(env, 'BFF_RATE_LIMIT_CALLBACK', 30, 0, 1_000_000),
      refresh: readInteger(env, 'BFF_RATE_LIMIT_REFRESH', 600, 0, 1_000_000),
      backchannelLogout: readInteger(env, 'BFF_RATE_LIMIT_BACKCHANNEL_LOGOUT', 300, 0, 1_000_000),
    },
  };
}

/**
 * Without offline_access: many providers (Auth0, Okta, Entra ID) issue refresh tokens only for it,
 * and some keep them valid after sign-out when they cannot be revoked. Ask for it in OIDC_SCOPE.
 */
export const DEFAULT_SCOPE = 'openid profile';

function readClientAuth(env: Environment): ClientAuthMethod | undefined {
  const raw = optional(env, 'OIDC_CLIENT_AUTH');
  if (raw === undefined) return undefined;
  if (!isClientAuthMethod(raw)) {
    throw new ConfigError(
      `OIDC_CLIENT_AUTH must be client_secret_basic or client_secret_post, got "${raw}"`,
    );
  }
  return raw;
}

/** localhost, *.localhost, 127.0.0.0/8 and ::1. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host === '::1' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
  );
}

function readApiRoute(env: Environment): ApiRoute {
  const prefix = readPath(env, 'BFF_API_PREFIX', '/api/');
  if (!prefix.endsWith('/') || prefix === '/' || prefix.startsWith('/bff/')) {
    throw new ConfigError(
      `BFF_API_PREFIX must be a path like /api/ (not / or /bff/), got ${prefix}`,
    );
  }
  const upstream = readUrl(env, 'BFF_API_UPSTREAM');
  if (!upstream.pathname.endsWith('/') || upstream.search || upstream.hash) {
    throw new ConfigError(
      `BFF_API_UPSTREAM must end with / and have no query, e.g. https://api.example.com/v1/, got ${upstream.href}`,
    );
  }
  if (upstream.protocol !== 'https:' && !isLoopbackHost(upstream.hostname)) {
    throw new ConfigError(
      `BFF_API_UPSTREAM must be https unless on loopback, got ${upstream.href}`,
    );
  }
  const rawMethods = optional(env, 'BFF_API_METHODS') ?? 'GET,HEAD,POST,PUT,PATCH,DELETE';
  const methods = new Set(rawMethods.split(',').map((method) => method.trim().toUpperCase()));
  for (const method of methods) {
    if (!['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'].includes(method)) {
      throw new ConfigError(`BFF_API_METHODS: unsupported method "${method}"`);
    }
  }
  return { prefix, upstream, methods };
}

/**
 * One of REDIS_URL (one server), REDIS_CLUSTER_NODES (comma-separated redis:// URLs of some of a
 * cluster's nodes) or REDIS_SENTINELS (comma-separated host:port of the sentinels) with
 * REDIS_SENTINEL_NAME (the name they monitor the primary under). Values are never echoed: a URL
 * may carry a password.
 */
function readRedisTopology(env: Environment): RedisTopology | undefined {
  const url = optional(env, 'REDIS_URL');
  const cluster = optional(env, 'REDIS_CLUSTER_NODES');
  const sentinels = optional(env, 'REDIS_SENTINELS');
  const given = [
    url && 'REDIS_URL',
    cluster && 'REDIS_CLUSTER_NODES',
    sentinels && 'REDIS_SENTINELS',
  ];
  if (given.filter(Boolean).length > 1)
    throw new ConfigError(`set one of ${given.filter(Boolean).join(', ')}, not several`);
  const isRedisUrl = (raw: string) =>
    URL.canParse(raw) && ['redis:', 'rediss:'].includes(new URL(raw).protocol);
  if (url !== undefined) {
    if (!isRedisUrl(url)) throw new ConfigError('REDIS_URL must be a redis:// or rediss:// URL');
    return { kind: 'server', url };
  }
  if (cluster !== undefined) {
    const nodes = cluster.split(',').map((node) => node.trim());
    if (nodes.some((node) => !isRedisUrl(node)))
      throw new ConfigError(
        'REDIS_CLUSTER_NODES must be redis:// or rediss:// URLs, comma-separated',
      );
    return { kind: 'cluster', nodes };
  }
  if (sentinels !== undefined) {
    const name = optional(env, 'REDIS_SENTINEL_NAME');
    if (name === undefined)
      throw new ConfigError('REDIS_SENTINEL_NAME is required with REDIS_SENTINELS');
    const addresses = sentinels.split(',').map((address) => {
      const match = /^\s*([^\s:]+):(\d{1,5})\s*$/.exec(address);
      if (!match) throw new ConfigError('REDIS_SENTINELS must be host:port pairs, comma-separated');
      return { host: match[1]!, port: Number(match[2]) };
    });
    return { kind: 'sentinel', name, sentinels: addresses };
  }
  if (optional(env, 'REDIS_SENTINEL_NAME') !== undefined)
    throw new ConfigError('REDIS_SENTINEL_NAME needs REDIS_SENTINELS');
  return undefined;
}

function optional(env: Environment, name: string): string | undefined {
  const raw = env[name]?.trim();
  // An empty value means "not set", like an absent one.
  return raw === undefined || raw === '' ? undefined : raw;
}

function required(env: Environment, name: string): string {
  const value = optional(env, name);
  if (value === undefined) throw new ConfigError(`${name} is required`);
  return value;
}

function readUrl(env: Environment, name: string): URL {
  const raw = required(env, name);
  if (!URL.canParse(raw)) throw new ConfigError(`${name} must be an absolute URL, got "${raw}"`);
  const url = new URL(raw);
  if (!['http:', 'https:'].includes(url.protocol)) {
    throw new ConfigError(`${name} must be an http(s) URL, got "${raw}"`);
  }
  return url;
}

function readOrigin(env: Environment, name: string): string {
  const url = readUrl(env, name);
  if (url.origin !== required(env, name).replace(/\/$/, '')) {
    throw new ConfigError(
      `${name} must be an origin (scheme, host, port; no path), got "${url.href}"`,
    );
  }
  return url.origin;
}

function readPath(env: Environment, name: string, fallback: string): string {
  const value = optional(env, name) ?? fallback;
  if (!value.startsWith('/') || value.startsWith('//') || /[\\?#\s]/.test(value)) {
    throw new ConfigError(`${name} must be a path starting with /, got "${value}"`);
  }
  return value;
}

function readInteger(
  env: Environment,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  // Only plain digits: Number() would also accept "0x10" or "1e3".
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be between ${min} and ${max}, got ${raw}`);
  }
  return value;
}

/**
 * BFF_SSR_ENTRY, which must exist; else the server build `ng build` puts beside the browser
 * files (`<BFF_STATIC_DIR>/../server/server.mjs`), when there is one.
 */
function readSsrEntry(env: Environment, cwd: string, staticDir: string): string | undefined {
  const configured = optional(env, 'BFF_SSR_ENTRY');
  if (configured !== undefined) {
    const entry = resolve(cwd, configured);
    if (!existsSync(entry)) throw new ConfigError(`BFF_SSR_ENTRY does not exist: ${entry}`);
    return entry;
  }
  const beside = join(staticDir, '..', 'server', 'server.mjs');
  return existsSync(beside) ? beside : undefined;
}
