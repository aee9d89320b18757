/**
 * The BFF under load (`bff-load-*` rows): one BFF process holding 100, 1,000 and 10,000 live
 * sessions, for each store (in-process, one Redis, a Redis Cluster of three primaries and three
 * replicas), with autocannon sending `GET /api/me`, every request with the next session's cookie,
 * so that each one is a store lookup of a different session. Run by run, the same load also goes
 * straight to the API and through a bare reply-from proxy (bare-proxy.ts): the ratios to that
 * proxy are the BFF's session work. Also: the time to make the sessions, Redis memory per session,
 * the BFF's resident memory with the in-process store, and one session's refresh under the load
 * against the same refresh with no load.
 *
 * Sessions are real: each signs in through the BFF and the provider's login form (no fast path
 * exists). `BENCH_LOAD_SESSIONS=100,1000` and `BENCH_LOAD_SECONDS` shorten a run while working.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';

import {
  redisCli,
  startCluster,
  type TestCluster,
} from '../../bff/test/helpers/redis-topologies.ts';
import { startRedis, type TestRedis } from '../../bff/test/helpers/redis-server.ts';
import { freePort } from '../../dev-backend/shared/free-port.ts';
import { apiAccessToken, BffProcess, signedIn, type CookieJar } from './bff-processes';
import { load, type LoadResult } from './load';
import { Results } from './report';
import { ROOT, type StackEnv } from './stack';

const SESSION_COUNTS = (process.env['BENCH_LOAD_SESSIONS'] ?? '100,1000,10000')
  .split(',')
  .map(Number);
const SECONDS = Number(process.env['BENCH_LOAD_SECONDS'] ?? 4);
/** As many as the existing throughput row used: enough to keep a 2-core BFF busy. */
const CONNECTIONS = 16;
/** Sign-ins in flight while the sessions are made. */
const SIGN_IN_CONCURRENCY = 8;

type StoreKind = 'memory' | 'redis' | 'cluster';
const STORES: readonly StoreKind[] = ['memory', 'redis', 'cluster'];

/** A store's servers, and how much memory they use for data (primaries only: replicas copy). */
interface StoreUnderTest {
  readonly env: Record<string, string>;
  usedBytes(): Promise<number>;
  stop(): Promise<void>;
}

export async function bffUnderLoad(
  results: Results,
  env: StackEnv,
  runs: number,
  log: (message: string) => void,
): Promise<void> {
  for (const kind of STORES) await oneStore(results, env, runs, kind, log);
}

async function oneStore(
  results: Results,
  env: StackEnv,
  runs: number,
  kind: StoreKind,
  log: (message: string) => void,
): Promise<void> {
  const store = await startStore(kind);
  const bff = await BffProcess.start(env, env.appPort, store.env).catch(async (error) => {
    await store.stop();
    throw error;
  });
  const sessions: CookieJar[] = [];
  let bare: BareProxy | undefined;
  try {
    sessions.push(await signedIn(env));
    // The first session's access token: the bare proxy and the direct calls send it.
    const token = await apiAccessToken(env);
    bare = await BareProxy.start(env.apiOrigin, token);
    const targets = {
      bff: { url: bff.base, headersFor: rotating(sessions) },
      bare: { url: bare.base, headersFor: rotating(sessions) },
      api: { url: env.apiOrigin, headersFor: () => ({ authorization: `Bearer ${token}` }) },
    };
    const memory = await MemoryRows.start(results, kind, store, bff);
    let signingIn = 0;
    for (const count of SESSION_COUNTS) {
      log(`bff load, ${kind} store: signing in up to ${count} sessions`);
      const started = performance.now();
      await makeSessions(env, sessions, count);
      signingIn += performance.now() - started;
      log(`bff load, ${kind} store: ${count} sessions, measuring`);
      results.add('this', `bff-load-setup-${kind}`, count, 's (cumulative)', signingIn / 1000);
      // Memory before the load: what the sessions hold, not what the requests leave behind.
      await memory.record(count);
      for (const target of Object.values(targets)) await load({ ...target, ...short(1) }); // warm-up
      const idleRefresh = await refreshTime(sessions[0]!, bff.base);
      for (let run = 0; run < runs; run++) {
        // The three take turns, so a busy moment of this shared machine hits each alike.
        let refresh = 0;
        const viaBff = await measured(
          load({
            ...targets.bff,
            ...short(SECONDS),
            midway: async () => {
              refresh = await refreshTime(sessions[run % sessions.length]!, bff.base);
            },
          }),
        );
        const viaBare = await measured(load({ ...targets.bare, ...short(SECONDS) }));
        const direct = await measured(load({ ...targets.api, ...short(SECONDS) }));
        add(results, `bff-load-${kind}`, count, viaBff);
        add(results, 'bff-load-bare-proxy', count, viaBare);
        add(results, 'bff-load-api-direct', count, direct);
        results.add(
          'this',
          `bff-load-p50-ratio-to-bare-${kind}`,
          count,
          '×',
          viaBff.p50 / viaBare.p50,
        );
        results.add(
          'this',
          `bff-load-rps-ratio-bare-to-${kind}`,
          count,
          '×',
          viaBare.requestsPerSecond / viaBff.requestsPerSecond,
        );
        results.add('this', `bff-load-refresh-under-load-${kind}`, count, 'ms', refresh);
      }
      results.add('this', `bff-load-refresh-idle-${kind}`, count, 'ms', idleRefresh);
    }
  } finally {
    await bare?.stop();
    await bff.stop();
    await store.stop();
  }
}

/**
 * The memory rows: with the in-process store, the BFF's resident memory and its heap after a full
 * collection (and the heap's growth per session between two counts); else Redis's growth per
 * session since the first one.
 */
class MemoryRows {
  private previous: { count: number; heap: number } | undefined;

  private constructor(
    private readonly results: Results,
    private readonly kind: StoreKind,
    private readonly store: StoreUnderTest,
    private readonly bff: BffProcess,
    /** Redis's used memory with the first session made. */
    private readonly firstBytes: number,
  ) {}

  static async start(
    results: Results,
    kind: StoreKind,
    store: StoreUnderTest,
    bff: BffProcess,
  ): Promise<MemoryRows> {
    return new MemoryRows(results, kind, store, bff, await store.usedBytes());
  }

  async record(count: number): Promise<void> {
    if (this.kind !== 'memory') {
      const bytes = (await this.store.usedBytes()) - this.firstBytes;
      this.results.add(
        'this',
        `bff-load-${this.kind}-bytes-per-session`,
        count,
        'bytes',
        bytes / (count - 1),
      );
      return;
    }
    this.results.add(
      'this',
      'bff-load-memory-store-rss',
      count,
      'MB',
      this.bff.residentBytes() / 2 ** 20,
    );
    const heap = await this.bff.heapUsed();
    this.results.add('this', 'bff-load-memory-store-heap', count, 'MB', heap / 2 ** 20);
    if (this.previous) {
      const perSession = (heap - this.previous.heap) / (count - this.previous.count) / 1024;
      this.results.add('this', 'bff-load-memory-store-heap-per-session', count, 'KB', perSession);
    }
    this.previous = { count, heap };
  }
}

function short(seconds: number) {
  return { seconds, connections: CONNECTIONS };
}

/** A load result with failures is no result: the BFF row must not hide 401s or 503s. */
async function measured(result: Promise<LoadResult>): Promise<LoadResult> {
  const done = await result;
  if (done.failures > 0) throw new Error(`${done.failures} requests failed under load`);
  return done;
}

function add(results: Results, prefix: string, count: number, result: LoadResult): void {
  results.add('this', `${prefix}-rps`, count, 'requests/s', result.requestsPerSecond);
  results.add('this', `${prefix}-p50`, count, 'ms', result.p50);
  results.add('this', `${prefix}-p99`, count, 'ms', result.p99);
}

/** Every call, the next session's cookie and the app's same-origin headers. */
function rotating(sessions: readonly CookieJar[]): () => Record<string, string> {
  let next = 0;
  const cookies: string[] = [];
  return () => {
    // Sessions are added between steps: read the new ones as they come.
    for (let i = cookies.length; i < sessions.length; i++)
      cookies.push(sessions[i]!.cookieHeader('/api/me'));
    const cookie = cookies[next++ % cookies.length]!;
    return { cookie, 'x-bff-csrf': '1', 'sec-fetch-site': 'same-origin' };
  };
}

/** Signs in until there are `count` sessions, `SIGN_IN_CONCURRENCY` at a time. */
async function makeSessions(env: StackEnv, sessions: CookieJar[], count: number): Promise<void> {
  let wanted = count - sessions.length;
  const worker = async () => {
    while (wanted-- > 0) sessions.push(await signedIn(env));
  };
  await Promise.all(Array.from({ length: SIGN_IN_CONCURRENCY }, worker));
}

/** One forced refresh of `session` (`POST /bff/refresh` with its current version), in ms. */
async function refreshTime(session: CookieJar, base: string): Promise<number> {
  const view = (await (await session.call('/bff/session', { base })).json()) as {
    version?: number;
  };
  if (typeof view.version !== 'number') throw new Error('no session version');
  const started = performance.now();
  const answer = await session.call('/bff/refresh', {
    base,
    method: 'POST',
    body: JSON.stringify({ version: view.version }),
  });
  const body = (await answer.json()) as { refreshed?: boolean };
  const elapsed = performance.now() - started;
  if (answer.status !== 200 || body.refreshed !== true)
    throw new Error(`refresh answered ${answer.status}`);
  return elapsed;
}

async function startStore(kind: StoreKind): Promise<StoreUnderTest> {
  if (kind === 'memory') return { env: {}, usedBytes: async () => 0, stop: async () => {} };
  if (kind === 'redis') {
    const redis: TestRedis = await startRedis();
    return {
      env: { REDIS_URL: redis.url },
      usedBytes: () => usedMemory([redis.port]),
      stop: () => redis.stop(),
    };
  }
  const cluster: TestCluster = await startCluster();
  return {
    env: { REDIS_CLUSTER_NODES: cluster.urls.join(',') },
    usedBytes: async () => usedMemory(await primaries(cluster)),
    stop: () => cluster.stop(),
  };
}

async function primaries(cluster: TestCluster): Promise<number[]> {
  const roles = await Promise.all(
    cluster.nodes.map(async (node) => ({
      port: node.port,
      primary: (await redisCli(node.port, 'info', 'replication')).includes('role:master'),
    })),
  );
  return roles.filter((role) => role.primary).map((role) => role.port);
}

async function usedMemory(ports: readonly number[]): Promise<number> {
  const each = await Promise.all(
    ports.map(async (port) => {
      const info = await redisCli(port, 'info', 'memory');
      const bytes = /^used_memory:(\d+)/m.exec(info)?.[1];
      if (!bytes) throw new Error(`no used_memory from redis on ${port}`);
      return Number(bytes);
    }),
  );
  return each.reduce((sum, bytes) => sum + bytes, 0);
}

/** The bare proxy (bare-proxy.ts) in a process of its own, on a free port. */
class BareProxy {
  private constructor(
    readonly base: string,
    private readonly child: ChildProcess,
  ) {}

  static async start(upstream: string, token: string): Promise<BareProxy> {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'bench', 'driver', 'bare-proxy.ts'), String(port), upstream],
      { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] },
    );
    child.stdin!.end(token);
    const [line] = (await once(child.stdout!, 'data')) as [Buffer];
    if (!line.toString().includes('listening')) throw new Error('the bare proxy did not start');
    return new BareProxy(`http://localhost:${port}`, child);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGTERM');
    await exited;
  }
}
