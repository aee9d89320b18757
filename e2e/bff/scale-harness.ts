/**
 * Two BFF processes on one redis-server behind a round-robin proxy on the app's origin: what a
 * load balancer without sticky sessions does. The provider registered the app origin as the
 * BFF's redirect and back-channel logout URI, so both reach the instances through the proxy too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdirSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';

import { startRedis, type TestRedis } from '../../bff/test/helpers/redis-server.ts';
import { freePort } from '../../dev-backend/shared/free-port.ts';
import { bffEnv, UNTHROTTLED } from '../../scripts/bff-env.mjs';
import { stackEnv } from '../../scripts/stack-env.mjs';
import { E2E_ENV } from '../helpers/stack';

/** One request the proxy forwarded: which instance, and what it answered (0: no answer). */
export interface Forwarded {
  readonly instance: number;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly source: string | undefined;
}

/** One `node bff/main.ts` process on its own port; `restart()` keeps the port. */
export class BffInstance {
  private child: ChildProcess | undefined;

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {}

  async start(): Promise<void> {
    mkdirSync('test-results', { recursive: true });
    // Its log is kept for the search for tokens (the BFF must never log one).
    const log = createWriteStream(`test-results/bff-scale-${this.name}.log`, { flags: 'a' });
    const child = spawn(process.execPath, ['--import', 'tsx', 'bff/main.ts'], {
      env: { ...this.env, BFF_PORT: String(this.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    this.child = child;
    await this.healthy(30_000);
  }

  /** Waits until GET /bff/health says the instance and its store are up. */
  async healthy(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const child = this.child;
      if (child?.exitCode != null) throw new Error(`BFF ${this.name} exited (${child.exitCode})`);
      const ok = await fetch(`http://127.0.0.1:${this.port}/bff/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return;
      if (Date.now() > deadline) throw new Error(`BFF ${this.name} did not become healthy`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }
}

/** The load balancer: request i goes to instance i mod 2, whatever connection it came on. */
export class RoundRobinProxy {
  readonly log: Forwarded[] = [];
  private next = 0;
  private server: Server | undefined;

  constructor(
    private readonly port: number,
    private readonly targets: readonly number[],
  ) {}

  async start(): Promise<void> {
    this.server = createServer((incoming, outgoing) => {
      const instance = this.next++ % this.targets.length;
      const path = incoming.url ?? '/';
      const record = (status: number, source?: string) =>
        this.log.push({ instance, method: incoming.method ?? 'GET', path, status, source });
      const upstream = request(
        {
          host: '127.0.0.1',
          port: this.targets[instance],
          method: incoming.method,
          path,
          // Host, Origin, Sec-Fetch-Site and the cookie pass unchanged: the BFF sees what the
          // browser sent to its public origin.
          headers: incoming.headers,
        },
        (answer) => {
          const source = answer.headers['x-bff-source'];
          record(answer.statusCode ?? 0, typeof source === 'string' ? source : undefined);
          outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(outgoing);
        },
      );
      upstream.on('error', () => {
        record(0);
        if (!outgoing.headersSent) outgoing.writeHead(502).end();
        else outgoing.destroy();
      });
      incoming.pipe(upstream);
    });
    this.server.listen(this.port);
    await once(this.server, 'listening');
  }

  /** Forwarded app calls (`/api/*`, `/bff/*` but sign-in redirects) that failed. */
  failures(since = 0): Forwarded[] {
    return this.log
      .slice(since)
      .filter((f) => /^\/(api|bff)\//.test(f.path) && (f.status === 0 || f.status >= 400));
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server!.close(resolve));
  }
}

export interface ScaleStack {
  readonly redis: TestRedis;
  readonly instances: readonly BffInstance[];
  readonly proxy: RoundRobinProxy;
  stop(): Promise<void>;
}

/** Redis, two BFFs (same configuration, public origin = the proxy's) and the proxy on APP_PORT. */
export async function startScaleStack(): Promise<ScaleStack> {
  const stack = { ...process.env, ...E2E_ENV, AUTH_MODE: 'bff' } as Record<string, string>;
  const redis = await startRedis();
  const env = {
    ...stack,
    ...bffEnv(stackEnv(stack)),
    // Every request comes through the round-robin proxy, from loopback: no limits.
    ...UNTHROTTLED,
    REDIS_URL: redis.url,
    // A paused Redis is noticed after 1 s instead of 2 s (the outage test stays short), with
    // room for a command slowed by a busy machine.
    BFF_STORE_TIMEOUT_MS: '1000',
    BFF_LOG_LEVEL: 'info',
  };
  const instances = [
    new BffInstance('a', await freePort(), env),
    new BffInstance('b', await freePort(), env),
  ];
  await Promise.all(instances.map((instance) => instance.start()));
  const proxy = new RoundRobinProxy(
    Number(E2E_ENV.APP_PORT),
    instances.map((instance) => instance.port),
  );
  await proxy.start();
  return {
    redis,
    instances,
    proxy,
    stop: async () => {
      await proxy.stop();
      await Promise.all(instances.map((instance) => instance.stop()));
      await redis.stop();
    },
  };
}
