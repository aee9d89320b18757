/**
 * BFF processes as deployed (`node bff/main.ts`, stdout discarded at the default log level) for
 * the BFF's bench rows, the Redis they share, and signed-in sessions made through the BFF and the
 * provider's login form (the BFF tests' cookie-jar browser; no Chromium).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { Browser as CookieJar } from '../../bff/test/helpers/browser.ts';
import { startRedis } from '../../bff/test/helpers/redis-server.ts';
import { freePort } from '../../dev-backend/shared/free-port.ts';
import { bffEnv, UNTHROTTLED } from '../../scripts/bff-env.mjs';
import { ROOT, type StackEnv } from './stack';

export { CookieJar };

export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** As deployed (`node bff/main.ts` through tsx), plus the bench's heap probe (heap-probe.ts). */
const BFF_NODE_ARGS = [
  '--expose-gc',
  '--import',
  'tsx',
  '--import',
  join(ROOT, 'bench', 'driver', 'heap-probe.ts'),
];

/** One BFF process; the first of a group listens on the app origin's port (the redirect URI). */
export class BffProcess {
  private constructor(
    readonly base: string,
    private readonly child: ChildProcess,
  ) {}

  /** `storeEnv`: REDIS_URL or REDIS_CLUSTER_NODES; none for the in-process store. */
  static async start(
    env: StackEnv,
    port: number,
    storeEnv: Record<string, string> = {},
  ): Promise<BffProcess> {
    const child = spawn(process.execPath, [...BFF_NODE_ARGS, join(ROOT, 'bff', 'main.ts')], {
      cwd: ROOT,
      env: {
        ...process.env,
        ...bffEnv(env, staticDir()),
        // The bench measures the BFF, not its limits: all its load comes from loopback.
        ...UNTHROTTLED,
        BFF_PORT: String(port),
        ...storeEnv,
      },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
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

  /** The BFF's JavaScript heap in use right after a full garbage collection, in bytes. */
  async heapUsed(): Promise<number> {
    const answer = once(this.child, 'message') as Promise<[{ heapUsed: number }]>;
    this.child.send('heap');
    return (await answer)[0].heapUsed;
  }

  /** The process's resident memory (VmRSS), in bytes. */
  residentBytes(): number {
    const status = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
    const kib = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
    if (!kib) throw new Error('no VmRSS in /proc/<pid>/status');
    return Number(kib) * 1024;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGTERM');
    await exited;
  }
}

/** The production build the bench just made, else the e2e's (the BFF renders its pages). */
let staticDirectory = join(ROOT, 'dist', 'oidc-session', 'browser');
export function useStaticDir(dir: string): void {
  staticDirectory = dir;
}
const staticDir = () => staticDirectory;

/** Starts `count` instances (in-process store for one unless `redis`), runs `body`, stops all. */
export async function withBffs<T>(
  env: StackEnv,
  { count, redis }: { count: number; redis: boolean },
  body: (instances: BffProcess[]) => Promise<T>,
): Promise<T> {
  const server = redis || count > 1 ? await startRedis() : undefined;
  const storeEnv: Record<string, string> = server ? { REDIS_URL: server.url } : {};
  const instances: BffProcess[] = [];
  try {
    instances.push(await BffProcess.start(env, env.appPort, storeEnv));
    for (let i = 1; i < count; i++)
      instances.push(await BffProcess.start(env, await freePort(), storeEnv));
    return await body(instances);
  } finally {
    await Promise.all(instances.map((instance) => instance.stop()));
    await server?.stop();
  }
}

/** A new browser signed in through the BFF and the provider's login form. */
export async function signedIn(env: StackEnv): Promise<CookieJar> {
  const jar = new CookieJar(env.appOrigin);
  const landed = await jar.signIn();
  if (landed.pathname !== '/dashboard') throw new Error(`sign-in landed on ${landed.pathname}`);
  return jar;
}

/** The access token the BFF got at the last sign-in, from the dev provider's loopback record. */
export async function apiAccessToken(env: StackEnv): Promise<string> {
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
