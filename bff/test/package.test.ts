/**
 * The BFF as its users get it (issue 23): `npm pack` of the workspace, installed from the tarball
 * into an empty directory, started with `npx oidc-session-bff` and the documented variables, on
 * each Node the package claims (this Node, and Node 22 from the npm registry's `node` package). It
 * signs a user in against the real dev provider and proxies the API; a missing variable stops it
 * with one line.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { Browser } from './helpers/browser.ts';
import { startStack, type Stack } from './helpers/stack.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const NODE_22 = 'node@22';

let stack: Stack;
let consumer: string;

/** Runs npm quietly; its output only when it fails. */
function npm(args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  return execFileSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd,
    env,
    encoding: 'utf8',
  });
}

/** The directory of a `node` binary of the given npm `node` package version (downloaded once). */
function nodeBinDir(spec: string): string {
  const path = execFileSync(
    'npm',
    ['exec', '--yes', `--package=${spec}`, '--', 'node', '-p', 'process.execPath'],
    { cwd: tmpdir(), encoding: 'utf8' },
  ).trim();
  return dirname(path);
}

before(async () => {
  stack = await startStack();
  const packed = mkdtempSync(join(tmpdir(), 'bff-pack-'));
  npm(['pack', '--workspace', 'bff', '--pack-destination', packed], ROOT);
  const [tarball] = readdirSync(packed).filter((name) => name.endsWith('.tgz'));
  assert.ok(tarball, 'npm pack wrote a tarball');
  consumer = mkdtempSync(join(tmpdir(), 'bff-consumer-'));
  writeFileSync(join(consumer, 'package.json'), '{ "private": true }\n');
  npm(['install', '--prefer-offline', join(packed, tarball)], consumer);
});
after(async () => {
  await stack.close();
  rmSync(consumer, { recursive: true, force: true });
});

/** `npx oidc-session-bff` in the consumer directory, on the node in `binDir`. */
function startBin(binDir: string, env: Record<string, string>): ChildProcess {
  return spawn('npx', ['--no-install', 'oidc-session-bff'], {
    cwd: consumer,
    env: { ...process.env, PATH: `${binDir}:${process.env['PATH']}`, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: npx runs the bin as a child, and a stop must reach both.
    detached: true,
  });
}

function outputOf(child: ChildProcess): () => string {
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk));
  return () => text;
}

async function healthy(origin: string, child: ChildProcess, output: () => string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (child.exitCode !== null) assert.fail(`the BFF exited ${child.exitCode}: ${output()}`);
    const answer = await fetch(`${origin}/bff/health`).catch(() => null);
    if (answer?.status === 200) return;
    await new Promise((done) => setTimeout(done, 100));
  }
  assert.fail(`the BFF did not answer /bff/health: ${output()}`);
}

/** SIGTERM to npx and the BFF it started, as a process manager stops a service. */
function stop(child: ChildProcess): void {
  if (child.exitCode === null && child.pid) process.kill(-child.pid, 'SIGTERM');
}

function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null
    ? Promise.resolve(child.exitCode)
    : new Promise((done) => child.once('exit', (code) => done(code)));
}

describe('the packed BFF', () => {
  it('ships compiled JavaScript, its licence and README, and no TypeScript or tests', () => {
    const files = execFileSync('find', ['.', '-type', 'f'], {
      cwd: join(consumer, 'node_modules', '@oidc-session', 'bff'),
      encoding: 'utf8',
    })
      .split('\n')
      .filter(Boolean)
      .sort();
    assert.deepEqual(files, [
      './LICENSE',
      './README.md',
      './dist/oidc-session-bff.js',
      './package.json',
    ]);
  });

  for (const node of ['this Node', NODE_22]) {
    it(`starts with npx oidc-session-bff on ${node}, signs in and proxies the API`, async () => {
      const binDir = node === NODE_22 ? nodeBinDir(NODE_22) : dirname(process.execPath);
      const version = execFileSync(join(binDir, 'node'), ['--version'], { encoding: 'utf8' });
      if (node === NODE_22) assert.match(version, /^v22\./);
      const child = startBin(binDir, stack.env());
      const output = outputOf(child);
      try {
        await healthy(stack.origin, child, output);
        const browser = new Browser(stack.origin);
        const landed = await browser.signIn({ returnUrl: '/dashboard' });
        assert.equal(landed.href, `${stack.origin}/dashboard`);
        const me = await browser.call('/api/me');
        assert.equal(me.status, 200, await me.clone().text());
        assert.equal(((await me.json()) as { sub: string }).sub, 'alice');
        assert.equal((await browser.call('/bff/logout', { method: 'POST' })).status, 200);
      } finally {
        stop(child);
        await exited(child);
      }
      assert.match(output(), /SIGTERM: closing/, 'the BFF closed on SIGTERM');
      const after = await fetch(`${stack.origin}/bff/health`).catch(() => null);
      assert.equal(after, null, 'and stopped listening');
    });
  }

  it('stops with one line naming a missing variable', async () => {
    const env = stack.env();
    delete env['OIDC_ISSUER'];
    const child = startBin(dirname(process.execPath), { ...env, OIDC_ISSUER: '' });
    const output = outputOf(child);
    assert.equal(await exited(child), 1);
    assert.equal(output().trim(), 'bff: OIDC_ISSUER is required');
  });
});
