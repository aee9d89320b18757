/**
 * The stack the benchmark measures against: the real identity provider and API as child
 * processes (like `npm start`), and a subject's production build served like a deployment.
 */
import { ChildProcess, spawn } from 'node:child_process';
import type { Server } from 'node:http';
import { join } from 'node:path';

import { runtimeConfig } from '../../scripts/runtime-config.mjs';
import { serveDist } from '../../scripts/serve-dist.mjs';
import { stackEnv } from '../../scripts/stack-env.mjs';

export const ROOT = join(import.meta.dirname, '..', '..');

/** Short enough that expiry happens many times per minute, long enough to keep the 1 s leeway. */
export const ACCESS_TOKEN_TTL_SECONDS = 6;

export const ENV = stackEnv({
  APP_PORT: '4410',
  IDP_PORT: '9410',
  API_PORT: '3410',
  ACCESS_TOKEN_TTL: String(ACCESS_TOKEN_TTL_SECONDS),
  REFRESH_TOKEN_TTL: '3600',
});

export type StackEnv = typeof ENV;

export class Backend {
  private readonly children: ChildProcess[] = [];

  /** `stack`: the benchmark's own by default; the BFF rows add one with long-lived tokens. */
  constructor(private readonly stack: StackEnv = ENV) {}

  async start(): Promise<void> {
    const stack = this.stack;
    const env = {
      ...process.env,
      APP_PORT: String(stack.appPort),
      IDP_PORT: String(stack.idpPort),
      API_PORT: String(stack.apiPort),
      ACCESS_TOKEN_TTL: String(stack.accessTokenTtl),
      REFRESH_TOKEN_TTL: String(stack.refreshTokenTtl),
      // The app's client may also sign in without DPoP, for the one Bearer session the
      // interceptor's cost is measured on; with `dpop: auto` the app still binds every other one.
      DEMO_CLIENT_DPOP: 'optional',
    };
    for (const main of ['identity-provider/main.ts', 'resource-api/main.ts']) {
      const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'dev-backend', main)], {
        env,
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      this.children.push(child);
    }
    await waitFor(`${stack.issuer}/.well-known/openid-configuration`);
    await waitFor(`${stack.apiOrigin}/api/me`, 401);
  }

  stop(): void {
    for (const child of this.children) child.kill('SIGTERM');
  }
}

/** Serves one subject's build on the app origin (the provider's only redirect URI). */
export async function serveSubject(distDir: string): Promise<Server> {
  return serveDist({ root: distDir, port: ENV.appPort, config: runtimeConfig(ENV) });
}

export function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

async function waitFor(url: string, status = 200, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(url)).status === status) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline)
      throw new Error(`${url} did not answer ${status} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
