/**
 * Configuration from the environment: documented defaults, and a clear error naming the
 * variable for anything missing or malformed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { readConfig } from '../config.ts';
import { ConfigError } from '../errors.ts';

const staticDir = mkdtempSync(join(tmpdir(), 'bff-config-'));
writeFileSync(join(staticDir, 'index.html'), '<!doctype html>');

const minimal = {
  BFF_PUBLIC_ORIGIN: 'http://localhost:4200',
  OIDC_ISSUER: 'http://localhost:9000',
  OIDC_CLIENT_ID: 'demo-bff',
  OIDC_CLIENT_SECRET: 'secret',
  BFF_API_UPSTREAM: 'http://localhost:3000/api/',
  BFF_STATIC_DIR: staticDir,
};

describe('readConfig', () => {
  it('applies the documented defaults', () => {
    const config = readConfig(minimal);
    assert.equal(config.port, 4200);
    assert.equal(config.loopback, true);
    assert.equal(config.sessionIdleTimeoutMs, 1_800_000);
    assert.equal(config.sessionAbsoluteLifetimeMs, 86_400_000);
    assert.equal(config.api.prefix, '/api/');
    assert.deepEqual([...config.api.methods], ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']);
    // Refresh tokens that may outlive sign-out are opt-in (OIDC_SCOPE with offline_access).
    assert.equal(config.scope, 'openid profile');
    assert.equal(config.clientAuth, undefined);
    assert.equal(config.redis, undefined);
    assert.equal(config.refreshLockTtlMs, 5000);
    assert.equal(config.storeTimeoutMs, 2000);
    assert.equal(config.proxyBodyLimit, 1_048_576);
    assert.equal(config.trustProxy, false);
    assert.deepEqual(config.loginLimits, { perClient: 20, total: 10_000 });
    assert.deepEqual(config.rateLimits, {
      windowMs: 60_000,
      login: 30,
      callback: 30,
      refresh: 600,
      backchannelLogout: 300,
    });
  });

  it('reads BFF_TRUST_PROXY as off, a hop count, or proxy addresses and ranges', () => {
    const trust = (value: string) => readConfig({ ...minimal, BFF_TRUST_PROXY: value }).trustProxy;
    assert.equal(trust('false'), false);
    assert.equal(trust('0'), false);
    assert.equal(trust('2'), 2);
    assert.deepEqual(trust('10.0.0.0/8, 192.0.2.7,fd00::/8,loopback'), [
      '10.0.0.0/8',
      '192.0.2.7',
      'fd00::/8',
      'loopback',
    ]);
  });

  it('reads one Redis setup: a server, a cluster, or Sentinel', () => {
    const read = (extra: Record<string, string>) => readConfig({ ...minimal, ...extra }).redis;
    assert.deepEqual(read({ REDIS_URL: 'rediss://u:p@redis:6380' }), {
      kind: 'server',
      url: 'rediss://u:p@redis:6380',
    });
    assert.deepEqual(read({ REDIS_CLUSTER_NODES: 'redis://a:7000, redis://b:7001' }), {
      kind: 'cluster',
      nodes: ['redis://a:7000', 'redis://b:7001'],
    });
    const acks = (extra: Record<string, string>) =>
      readConfig({ ...minimal, ...extra }).redisReplicaAcks;
    assert.deepEqual(acks({ REDIS_URL: 'redis://a' }), { replicas: 0, timeoutMs: 500 });
    assert.deepEqual(acks({ REDIS_CLUSTER_NODES: 'redis://a:7000' }), {
      replicas: 1,
      timeoutMs: 500,
    });
    assert.deepEqual(
      acks({
        REDIS_SENTINELS: 'a:1',
        REDIS_SENTINEL_NAME: 'm',
        REDIS_REPLICA_ACKS: '0',
        REDIS_REPLICA_ACK_TIMEOUT_MS: '250',
      }),
      { replicas: 0, timeoutMs: 250 },
    );
    assert.deepEqual(read({ REDIS_SENTINELS: 'a:26379, b:26380', REDIS_SENTINEL_NAME: 'main' }), {
      kind: 'sentinel',
      name: 'main',
      sentinels: [
        { host: 'a', port: 26379 },
        { host: 'b', port: 26380 },
      ],
    });
  });

  it('takes session lifetimes down to 5 s (tests, demos of the end of a session)', () => {
    const config = readConfig({
      ...minimal,
      SESSION_IDLE_TIMEOUT: '5',
      SESSION_ABSOLUTE_LIFETIME: '5',
    });
    assert.equal(config.sessionIdleTimeoutMs, 5000);
    assert.equal(config.sessionAbsoluteLifetimeMs, 5000);
  });

  it('listens on loopback unless BFF_HOST says otherwise', () => {
    assert.equal(readConfig(minimal).host, 'localhost');
    assert.equal(readConfig({ ...minimal, BFF_HOST: '::' }).host, '::');
  });

  const broken: Array<[string, Record<string, string>, RegExp]> = [
    ['a missing issuer', { OIDC_ISSUER: '' }, /^OIDC_ISSUER is required$/],
    [
      'an unknown client authentication method',
      { OIDC_CLIENT_AUTH: 'private_key_jwt' },
      /^OIDC_CLIENT_AUTH must be client_secret_basic or client_secret_post, got "private_key_jwt"$/,
    ],
    ['a missing secret', { OIDC_CLIENT_SECRET: '' }, /^OIDC_CLIENT_SECRET is required$/],
    [
      'a plain http issuer off loopback',
      { OIDC_ISSUER: 'http://sso.example.com' },
      /^OIDC_ISSUER must be https unless on loopback/,
    ],
    [
      'a plain http public origin off loopback',
      { BFF_PUBLIC_ORIGIN: 'http://app.example.com' },
      /^BFF_PUBLIC_ORIGIN must be https/,
    ],
    [
      'a public origin with a path',
      { BFF_PUBLIC_ORIGIN: 'http://localhost:4200/app' },
      /^BFF_PUBLIC_ORIGIN must be an origin/,
    ],
    [
      'an upstream without a trailing slash',
      { BFF_API_UPSTREAM: 'http://localhost:3000/api' },
      /^BFF_API_UPSTREAM must end with \//,
    ],
    ['a prefix under /bff/', { BFF_API_PREFIX: '/bff/api/' }, /^BFF_API_PREFIX/],
    [
      'an unknown method',
      { BFF_API_METHODS: 'GET,TRACE' },
      /^BFF_API_METHODS: unsupported method "TRACE"$/,
    ],
    [
      'a non-numeric timeout',
      { SESSION_IDLE_TIMEOUT: '30m' },
      /^SESSION_IDLE_TIMEOUT must be a whole number, got "30m"$/,
    ],
    [
      'an idle timeout under 5 s',
      { SESSION_IDLE_TIMEOUT: '4' },
      /^SESSION_IDLE_TIMEOUT must be between 5 and 31536000, got 4$/,
    ],
    [
      'an absolute lifetime under 5 s',
      { SESSION_IDLE_TIMEOUT: '5', SESSION_ABSOLUTE_LIFETIME: '4' },
      /^SESSION_ABSOLUTE_LIFETIME must be between 5 and 31536000, got 4$/,
    ],
    [
      'an absolute lifetime shorter than idle',
      { SESSION_IDLE_TIMEOUT: '3600', SESSION_ABSOLUTE_LIFETIME: '600' },
      /^SESSION_ABSOLUTE_LIFETIME/,
    ],
    [
      'a Redis URL of another scheme',
      { REDIS_URL: 'http://user:hunter2@redis' },
      /^REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL$/,
    ],
    [
      'two Redis setups at once',
      { REDIS_URL: 'redis://a', REDIS_CLUSTER_NODES: 'redis://b:7000' },
      /^set one of REDIS_URL, REDIS_CLUSTER_NODES, not several$/,
    ],
    [
      'a cluster node that is not a Redis URL',
      { REDIS_CLUSTER_NODES: 'redis://a:7000, b:7001' },
      /^REDIS_CLUSTER_NODES must be redis:\/\/ or rediss:\/\/ URLs, comma-separated$/,
    ],
    [
      'sentinels without the name they monitor',
      { REDIS_SENTINELS: 'a:26379,b:26379' },
      /^REDIS_SENTINEL_NAME is required with REDIS_SENTINELS$/,
    ],
    [
      'a sentinel that is not host:port',
      { REDIS_SENTINELS: 'a:26379,b', REDIS_SENTINEL_NAME: 'main' },
      /^REDIS_SENTINELS must be host:port pairs, comma-separated$/,
    ],
    [
      'a sentinel name without sentinels',
      { REDIS_SENTINEL_NAME: 'main' },
      /^REDIS_SENTINEL_NAME needs REDIS_SENTINELS$/,
    ],
    [
      'a proxy trusted blindly',
      { BFF_TRUST_PROXY: 'true' },
      /^BFF_TRUST_PROXY=true would trust any X-Forwarded-For/,
    ],
    [
      'a trusted proxy that is not an address',
      { BFF_TRUST_PROXY: '10.0.0.0/33' },
      /^BFF_TRUST_PROXY: "10.0.0.0\/33" is not an address/,
    ],
    [
      'a pending sign-in bound of 0',
      { BFF_LOGIN_PENDING_PER_CLIENT: '0' },
      /^BFF_LOGIN_PENDING_PER_CLIENT must be between 1 and/,
    ],
    [
      'an in-process store bound written with a unit',
      { BFF_MEMORY_MAX_SESSIONS: '50k' },
      /^BFF_MEMORY_MAX_SESSIONS must be a whole number, got "50k"$/,
    ],
    [
      'a rate limit that is not a number',
      { BFF_RATE_LIMIT_LOGIN: 'lots' },
      /^BFF_RATE_LIMIT_LOGIN must be a whole number/,
    ],
    [
      'a static dir without the app',
      { BFF_STATIC_DIR: tmpdir() + '/nowhere' },
      /^BFF_STATIC_DIR has no index.html/,
    ],
  ];
  for (const [what, override, message] of broken) {
    it(`refuses ${what}, naming the variable`, () => {
      assert.throws(
        () => readConfig({ ...minimal, ...override }),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError);
          assert.match(error.message, message);
          assert.ok(!error.message.includes('hunter2'), 'never echoes a password');
          return true;
        },
      );
    });
  }

  it('uses __Host- cookies and https off loopback', () => {
    const config = readConfig({
      ...minimal,
      BFF_PUBLIC_ORIGIN: 'https://app.example.com',
      OIDC_ISSUER: 'https://sso.example.com',
    });
    assert.equal(config.loopback, false);
    assert.equal(config.port, 443);
  });
});
