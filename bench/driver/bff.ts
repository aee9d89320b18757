/**
 * The BFF's rows (BENCH_ONLY=bff), measured from Node with a signed-in session cookie (the BFF
 * tests' cookie-jar browser; no Chromium): BFF processes as deployed (`node bff/main.ts`, stdout
 * discarded at the default log level), the real provider and API, and a redis-server of their
 * own. Everything is on loopback, and the load generator shares this machine's cores with the
 * BFF and the API, so requests per second are this machine's, not a capacity figure.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { join } from 'node:path';

import { Browser as CookieJar } from '../../bff/test/helpers/browser.ts';
import { freePort } from '../../dev-backend/shared/free-port.ts';
import { bffEnv, UNTHROTTLED } from '../../scripts/bff-env.mjs';
import { Results } from './report';
import { ACCESS_TOKEN_TTL_SECONDS, ENV, ROOT, type StackEnv } from './stack';

/** Long enough past expiry for the token to be dead at the API too. */
const SLEEP_MS = ACCESS_TOKEN_TTL_SECONDS * 1000 + 1_500;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One BFF process; the first of a group listens on the app origin's port (the redirect URI). */
class BffProcess {
  private constructor(
    readonly base: string,
    private readonly child: ChildProcess,
  ) {}

  static async start(env: StackEnv, port: number, redisUrl?: string): Promise<BffProcess> {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bff', 'main.ts')], {
      cwd: ROOT,
      env: {
        ...process.env,
        ...bffEnv(env, staticDir()),
        // The bench measures the BFF, not its limits: all its load comes from loopback.
        ...UNTHROTTLED,
        BFF_PORT: String(port),
        ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const base = `http://localhost:${port}`;
    const deadline = Date.now() + 30_000;
    while (
      !(await fetch(`${base}/bff/health`).then(
        (r) => r.ok,
        () => false,
      ))
    ) {
      if (child.exitCode !== null) throw new Error(`the BFF exited with ${child.exitCode}`);
      if (Date.now() > deadline) throw new Error('the BFF did not become healthy');
      await pause(100);
    }
    return new BffProcess(base, child);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGTERM');
    await exited;
  }
}

/**
 * A throwaway redis-server on a free loopback port, no persistence (like bff/test/helpers, whose
 * module would pull the dev provider into the driver's type check).
 */
async function startRedis(): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(
    process.env['REDIS_SERVER'] ?? '/usr/bin/redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}`;
  for (let attempt = 0; ; attempt++) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (up) break;
    if (attempt > 100) throw new Error('redis-server did not start');
    await pause(50);
  }
  return {
    url,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The production build the bench just made, else the e2e's (the BFF needs an index.html). */
let staticDirectory = join(ROOT, 'dist', 'oidc-session', 'browser');
export function useStaticDir(dir: string): void {
  staticDirectory = dir;
}
const staticDir = () => staticDirectory;

/** Starts `count` instances (in-process store for one unless `redis`), runs `body`, stops all. */
async function withBffs<T>(
  env: StackEnv,
  { count, redis }: { count: number; redis: boolean },
  body: (instances: BffProcess[]) => Promise<T>,
): Promise<T> {
  const server = redis || count > 1 ? await startRedis() : undefined;
  const instances: BffProcess[] = [];
  try {
    instances.push(await BffProcess.start(env, env.appPort, server?.url));
    for (let i = 1; i < count; i++)
      instances.push(await BffProcess.start(env, await freePort(), server?.url));
    return await body(instances);
  } finally {
    await Promise.all(instances.map((instance) => instance.stop()));
    await server?.stop();
  }
}

async function signedIn(env: StackEnv): Promise<CookieJar> {
  const jar = new CookieJar(env.appOrigin);
  const landed = await jar.signIn();
  if (landed.pathname !== '/dashboard') throw new Error(`sign-in landed on ${landed.pathname}`);
  return jar;
}

interface ProviderCounters {
  readonly refreshes: number;
  readonly replays: number;
}

async function providerCounters(env: StackEnv): Promise<ProviderCounters> {
  const stats = (await (await fetch(`${env.issuer}/__dev/stats`)).json()) as {
    grants: Record<string, number>;
    grantErrors: { replayedRefreshToken: boolean }[];
  };
  return {
    refreshes: stats.grants['refresh_token'] ?? 0,
    replays: stats.grantErrors.filter((e) => e.replayedRefreshToken).length,
  };
}

/**
 * Refreshes at the provider for a burst of `size` API requests fired at once after expiry, the
 * requests alternating between the instances; also failed requests and replays. One sleep for
 * all runs: every run is its own user, and an idle session asks the provider nothing.
 */
export async function bffBurstAfterExpiry(
  results: Results,
  runs: number,
  size: number,
): Promise<void> {
  for (const count of [1, 2]) {
    const label = count === 1 ? '1-instance' : '2-instances';
    await withBffs(ENV, { count, redis: count > 1 }, async (instances) => {
      const users: CookieJar[] = [];
      for (let run = 0; run < runs; run++) users.push(await signedIn(ENV));
      await pause(SLEEP_MS);
      for (const user of users) {
        const before = await providerCounters(ENV);
        const answers = await Promise.all(
          Array.from({ length: size }, (_, i) =>
            user.call('/api/me', { base: instances[i % count].base }).then((r) => r.status),
          ),
        );
        const after = await providerCounters(ENV);
        const failed = answers.filter((status) => status !== 200).length;
        results.add(
          'this',
          `bff-refreshes-after-expiry-burst-${label}`,
          size,
          'refreshes',
          after.refreshes - before.refreshes,
        );
        results.add(
          'this',
          `bff-failed-requests-after-expiry-burst-${label}`,
          size,
          'requests',
          failed,
        );
        results.add(
          'this',
          `bff-replays-after-expiry-burst-${label}`,
          size,
          'refreshes',
          after.replays - before.replays,
        );
      }
    });
  }
}

/** The access token the BFF got at the last sign-in, from the dev provider's loopback record. */
async function apiAccessToken(env: StackEnv): Promise<string> {
  const stats = (await (await fetch(`${env.issuer}/__dev/stats`)).json()) as {
    issuedTokens: string[];
  };
  const token = stats.issuedTokens.findLast((t) => {
    const [, payload] = t.split('.');
    if (!payload) return false;
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { scope?: string };
    return typeof claims.scope === 'string';
  });
  if (!token) throw new Error('no access token in the provider record');
  return token;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * Per API request, the BFF's cost: the median time of `GET /api/me` through one instance against
 * the same request straight to the API with the same access token, one request at a time,
 * alternating in chunks of 50 so load spikes hit both alike. `env` must have a long access-token
 * lifetime, so that no refresh lands in the sample.
 */
export async function bffProxyOverhead(
  results: Results,
  env: StackEnv,
  runs: number,
  requests: number,
): Promise<void> {
  await withBffs(env, { count: 1, redis: false }, async () => {
    const user = await signedIn(env);
    const direct = { authorization: `Bearer ${await apiAccessToken(env)}` };
    const time = async (call: () => Promise<Response>) => {
      const started = performance.now();
      const response = await call();
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
      return performance.now() - started;
    };
    const viaBff = () => user.call('/api/me');
    const toApi = () => fetch(`${env.apiOrigin}/api/me`, { headers: direct });
    for (let i = 0; i < 200; i++) await Promise.all([time(viaBff), time(toApi)]); // warm-up
    for (let run = 0; run < runs; run++) {
      const bff: number[] = [];
      const api: number[] = [];
      while (bff.length < requests) {
        for (let i = 0; i < 50; i++) bff.push(await time(viaBff));
        for (let i = 0; i < 50; i++) api.push(await time(toApi));
      }
      results.add('this', 'bff-api-request-direct', requests, 'ms (median)', median(api));
      results.add('this', 'bff-api-request-through-bff', requests, 'ms (median)', median(bff));
      results.add('this', 'bff-proxy-overhead', requests, 'ms/request', median(bff) - median(api));
    }
  });
}

/**
 * Requests per second through one instance: `total` proxied `GET /api/me` of one signed-in
 * session, `concurrency` at a time, with the in-process store and with Redis.
 */
export async function bffThroughput(
  results: Results,
  env: StackEnv,
  runs: number,
  total: number,
  concurrency: number,
): Promise<void> {
  // The two stores take turns run by run, so a busy moment of this shared machine hits both.
  for (let run = 0; run < runs; run++) {
    for (const redis of [false, true]) {
      await withBffs(env, { count: 1, redis }, async () => {
        const user = await signedIn(env);
        const loop = async (count: number) => {
          let next = 0;
          let failed = 0;
          const worker = async () => {
            while (next++ < count) {
              const response = await user.call('/api/me');
              await response.arrayBuffer();
              if (response.status !== 200) failed++;
            }
          };
          const started = performance.now();
          await Promise.all(Array.from({ length: concurrency }, worker));
          if (failed) throw new Error(`${failed} of ${count} requests failed`);
          return count / ((performance.now() - started) / 1000);
        };
        await loop(500); // warm-up: JIT, connection pools
        const measure = `bff-requests-per-second-${redis ? 'redis' : 'memory'}`;
        results.add('this', measure, concurrency, 'requests/s', await loop(total));
      });
    }
  }
}
