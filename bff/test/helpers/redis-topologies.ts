/**
 * Redis as deployments run it, started by the tests on loopback from Debian's `redis-server`:
 * a Redis Cluster of three primaries and three replicas (`redis-cli --cluster create`; each node's
 * bus on port + 10000; `cluster-node-timeout` 3 s), and a Sentinel setup (a primary, a replica
 * and three sentinels, quorum 2, a primary down after 3 s). No persistence; everything lives in a temporary directory.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';

import { freePort } from '../../../dev-backend/shared/free-port.ts';
import type { RedisTopology } from '../../session-store/redis-connection.ts';
import { accepts, REDIS_SERVER } from './redis-server.ts';

const REDIS_CLI = process.env['REDIS_CLI'] ?? '/usr/bin/redis-cli';
const run = promisify(execFile);

/** One redis-server process of a topology. */
export interface RedisNode {
  readonly port: number;
  /** SIGSTOP / SIGCONT: a node that hangs (a replica that stops acknowledging). */
  pause(): void;
  resume(): void;
  /** SIGKILL: a crash, with no chance to hand anything over. */
  kill(): Promise<void>;
}

export interface TestCluster {
  /** Every node, primaries and replicas. */
  readonly nodes: readonly RedisNode[];
  /** `redis://127.0.0.1:<port>` of each node, for REDIS_CLUSTER_NODES. */
  readonly urls: readonly string[];
  /** As config.ts reads it from REDIS_CLUSTER_NODES. */
  readonly topology: RedisTopology;
  stop(): Promise<void>;
}

export interface TestSentinel {
  readonly masterName: string;
  /** `127.0.0.1:<port>` of each sentinel, for REDIS_SENTINELS. */
  readonly sentinels: readonly string[];
  /** As config.ts reads it from REDIS_SENTINELS and REDIS_SENTINEL_NAME. */
  readonly topology: RedisTopology;
  readonly primary: RedisNode;
  /** The first replica. */
  readonly replica: RedisNode;
  readonly replicas: readonly RedisNode[];
  /** The port the sentinels name as the primary now. */
  primaryPort(): Promise<number>;
  stop(): Promise<void>;
}

async function startNode(port: number, args: string[]): Promise<RedisNode> {
  const child: ChildProcess = spawn(REDIS_SERVER, args, { stdio: 'ignore' });
  const exited = once(child, 'exit');
  for (let attempt = 0; !(await accepts(port)); attempt += 1) {
    if (child.exitCode !== null) throw new Error(`redis-server :${port} exited ${child.exitCode}`);
    if (attempt > 100) throw new Error(`redis-server :${port} did not start`);
    await delay(50);
  }
  return {
    port,
    pause: () => child.kill('SIGSTOP'),
    resume: () => child.kill('SIGCONT'),
    kill: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGCONT');
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Runs redis-cli against a loopback node and returns what it printed. */
export async function redisCli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run(REDIS_CLI, ['-h', '127.0.0.1', '-p', String(port), ...args]);
  return stdout;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(100);
  }
}

const COMMON = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];

export async function startCluster(): Promise<TestCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'redis-cluster-'));
  const ports: number[] = [];
  for (let i = 0; i < 6; i++) ports.push(await freePort({ withClusterBus: true }));
  const nodes = await Promise.all(
    ports.map((port) =>
      startNode(port, [
        '--port',
        String(port),
        ...COMMON,
        '--dir',
        dir,
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        `nodes-${port}.conf`,
        // Short, so a failover takes seconds, not fifteen; not so short that a node starved of
        // CPU on a busy 2-core machine is taken for dead (a spurious failover loses writes).
        '--cluster-node-timeout',
        '3000',
      ]),
    ),
  );
  await run(REDIS_CLI, [
    '--cluster',
    'create',
    ...ports.map((port) => `127.0.0.1:${port}`),
    '--cluster-replicas',
    '1',
    '--cluster-yes',
  ]);
  // `--cluster create` returns before the replicas have synced: a write then has no replica to
  // acknowledge it (WAIT answers 0).
  await until('every replica to sync with its primary', async () =>
    (await Promise.all(ports.map((port) => redisCli(port, 'info', 'replication')))).every(
      (info) => info.includes('role:master') || info.includes('master_link_status:up'),
    ),
  );
  await until('the cluster to agree', async () =>
    (await Promise.all(ports.map((port) => redisCli(port, 'cluster', 'info')))).every((info) =>
      info.includes('cluster_state:ok'),
    ),
  );
  return {
    nodes,
    urls: ports.map((port) => `redis://127.0.0.1:${port}`),
    topology: { kind: 'cluster', nodes: ports.map((port) => `redis://127.0.0.1:${port}`) },
    stop: async () => {
      await Promise.all(nodes.map((node) => node.kill()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Sentinel over a primary and `replicas` replicas (two keep acknowledging after a failover). */
export async function startSentinel({ replicas: replicaCount = 1 } = {}): Promise<TestSentinel> {
  const dir = mkdtempSync(join(tmpdir(), 'redis-sentinel-'));
  const masterName = 'bffmaster';
  const primaryPort = await freePort();
  const primary = await startNode(primaryPort, [
    '--port',
    String(primaryPort),
    ...COMMON,
    '--dir',
    dir,
  ]);
  const replicas: RedisNode[] = [];
  for (let i = 0; i < replicaCount; i++) {
    const replicaPort = await freePort();
    // A file of its own: a replica's first sync writes the primary's snapshot there.
    replicas.push(
      await startNode(replicaPort, [
        '--port',
        String(replicaPort),
        ...COMMON,
        '--dir',
        dir,
        '--dbfilename',
        `replica-${replicaPort}.rdb`,
        '--replicaof',
        '127.0.0.1',
        String(primaryPort),
      ]),
    );
    await until('the replica to sync', async () =>
      (await redisCli(replicaPort, 'info', 'replication')).includes('master_link_status:up'),
    );
  }
  const replica = replicas[0]!;
  const sentinelPorts: number[] = [];
  const sentinels: RedisNode[] = [];
  for (let i = 0; i < 3; i++) {
    const port = await freePort();
    const conf = join(dir, `sentinel-${port}.conf`);
    writeFileSync(
      conf,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${masterName} 127.0.0.1 ${primaryPort} 2`,
        // As the cluster's node timeout: quick, but a busy machine is not a dead primary.
        `sentinel down-after-milliseconds ${masterName} 3000`,
        `sentinel failover-timeout ${masterName} 5000`,
        `sentinel parallel-syncs ${masterName} 1`,
        '',
      ].join('\n'),
    );
    sentinels.push(await startNode(port, [conf, '--sentinel']));
    sentinelPorts.push(port);
  }
  await until('the sentinels to see the replicas', async () => {
    const seen = await redisCli(sentinelPorts[0]!, 'sentinel', 'replicas', masterName);
    return replicas.every((node) => seen.includes(String(node.port)));
  });
  return {
    masterName,
    sentinels: sentinelPorts.map((port) => `127.0.0.1:${port}`),
    topology: {
      kind: 'sentinel',
      name: masterName,
      sentinels: sentinelPorts.map((port) => ({ host: '127.0.0.1', port })),
    },
    primary,
    replica,
    replicas,
    primaryPort: async () =>
      Number(
        (await redisCli(sentinelPorts[0]!, 'sentinel', 'get-master-addr-by-name', masterName))
          .trim()
          .split('\n')[1],
      ),
    stop: async () => {
      await Promise.all([...sentinels, primary, ...replicas].map((node) => node.kill()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
