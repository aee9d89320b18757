/**
 * The consumer stage (issue 23): the library and the BFF as an adopter gets them. The library is
 * built and packed, the BFF packed; a copy of e2e/consumer (an app made by `ng new`, committed as
 * made) installs its dependencies, then, for each mode, runs `ng add <tarball>` for real, runs it
 * again (no change), builds, runs its own Vitest specs (the generated one uses
 * @oidc-session/angular/testing), and checks that the build carries no code of the other mode.
 * The builds are left for the consumer e2e stages (playwright.consumer.config.ts).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';

import { API, ISSUER } from '../helpers/stack';
import { APP_DIR, BFF_DIR, PACKS, WORK, distOf, type ConsumerMode } from './paths';

// The stage runs from the repository's root (scripts/test.mjs).
const ROOT = process.cwd();
const QUIET_NPM = ['--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'];

/** Runs a command; its output is returned, and shown in full when it fails. */
function run(command: string, args: string[], cwd: string): string {
  try {
    return execFileSync(command, args, {
      cwd,
      encoding: 'utf8',
      env: { ...process.env, NG_CLI_ANALYTICS: 'false', CI: 'true', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    throw new Error(
      `${command} ${args.join(' ')} failed in ${cwd}:\n${failed.stdout ?? ''}\n${failed.stderr ?? ''}`,
    );
  }
}

const git = (...args: string[]) =>
  run('git', ['-c', 'user.name=consumer', '-c', 'user.email=consumer@localhost', ...args], APP_DIR);

function tarball(prefix: string): string {
  const name = readdirSync(PACKS).find((file) => file.startsWith(prefix));
  assert.ok(name, `a ${prefix}*.tgz in ${PACKS}`);
  return join(PACKS, name);
}

before(() => {
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(PACKS, { recursive: true });
  run(process.execPath, ['scripts/build-library.mjs'], ROOT);
  run(
    'npm',
    ['pack', 'dist/@oidc-session/angular', '--pack-destination', PACKS, ...QUIET_NPM],
    ROOT,
  );
  run('npm', ['pack', '--workspace', 'bff', '--pack-destination', PACKS, ...QUIET_NPM], ROOT);
  cpSync(join(ROOT, 'e2e', 'consumer'), APP_DIR, { recursive: true });
  run('npm', ['install', ...QUIET_NPM], APP_DIR);
  // The app as made, with the lockfile its first install wrote: ng add's changes show against it.
  git('init', '--quiet');
  git('add', '-A');
  git('commit', '--quiet', '-m', 'as ng new made it, installed');
  git('tag', 'as-made');
  mkdirSync(BFF_DIR, { recursive: true });
  writeFileSync(join(BFF_DIR, 'package.json'), '{ "private": true }\n');
  run('npm', ['install', tarball('oidc-session-bff-'), ...QUIET_NPM], BFF_DIR);
});

/** `ng add` with the dev stack of the e2e run (its provider and API ports) for the prompts. */
function ngAdd(mode: ConsumerMode): string {
  return run(
    'npx',
    [
      'ng',
      'add',
      tarball('oidc-session-angular-'),
      '--skip-confirmation',
      '--defaults',
      `--mode=${mode}`,
      `--issuer=${ISSUER}`,
      `--api-origin=${API}`,
    ],
    APP_DIR,
  );
}

/** Bytes each esbuild input contributed to the build's JavaScript (from `--stats-json`). */
function bytesByInput(dist: string): Map<string, number> {
  const stats = JSON.parse(readFileSync(join(dist, 'stats.json'), 'utf8')) as {
    outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }>;
  };
  const bytes = new Map<string, number>();
  for (const [file, output] of Object.entries(stats.outputs)) {
    if (!file.endsWith('.js')) continue;
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs))
      bytes.set(input, (bytes.get(input) ?? 0) + bytesInOutput);
  }
  return bytes;
}

/** What counts as the other mode's code in a build of `mode`. */
const OTHER_MODE: Record<ConsumerMode, RegExp> = {
  bff: /@oidc-session\/angular\/fesm2022\/oidc-session-angular-browser|node_modules\/(angular-oauth2-oidc|dpop)\//,
  browser: /@oidc-session\/angular\/fesm2022\/oidc-session-angular-bff/,
};
const OWN_MODE: Record<ConsumerMode, RegExp> = {
  bff: OTHER_MODE.browser,
  browser: OTHER_MODE.bff,
};

// BFF mode first: its node_modules then hold no browser-mode peer, so a static import of one
// anywhere in the BFF build or the testing kit would fail here.
for (const mode of ['bff', 'browser'] as const) {
  describe(`the consumer app in ${mode} mode`, () => {
    it('ng add installs the package and lists every edit it makes', () => {
      git('reset', '--quiet', '--hard', 'as-made');
      git('clean', '--quiet', '-fd');
      const output = ngAdd(mode);
      for (const expected of [
        'src/app/app.config.ts: provideHttpClient(withInterceptors([authInterceptor])) added',
        `src/app/app.config.ts: provideAuth(configFromUrl('/auth.config.json'), ${mode === 'bff' ? 'withBffMode' : 'withBrowserMode'}()) added`,
        "src/app/app.routes.ts: route 'login' added",
        "src/app/app.routes.ts: route 'account' added",
        `public/auth.config.json created (${mode} mode)`,
        'src/app/auth/account-page.spec.ts created',
      ])
        assert.ok(output.includes(expected), `ng add says "${expected}":\n${output}`);
      const changed = git('status', '--porcelain', '--untracked-files=all')
        .split('\n')
        .filter(Boolean)
        .map((line) => line.slice(3))
        .sort();
      assert.deepEqual(changed, [
        'package-lock.json',
        'package.json',
        'public/auth.config.json',
        'src/app/app.config.ts',
        'src/app/app.routes.ts',
        'src/app/auth/account-page.spec.ts',
        'src/app/auth/account-page.ts',
        'src/app/auth/login-page.ts',
      ]);
      const manifest = JSON.parse(readFileSync(join(APP_DIR, 'package.json'), 'utf8')) as {
        dependencies: Record<string, string>;
      };
      assert.deepEqual(
        ['angular-oauth2-oidc', 'dpop'].filter((name) => name in manifest.dependencies),
        mode === 'browser' ? ['angular-oauth2-oidc', 'dpop'] : [],
        "browser mode's peers, and only in browser mode",
      );
      git('add', '-A');
      git('commit', '--quiet', '-m', `ng add --mode=${mode}`);
    });

    it('ng add a second time changes nothing', () => {
      const output = ngAdd(mode);
      assert.equal(git('status', '--porcelain'), '', `no change after a second ng add:\n${output}`);
      assert.match(output, /provideAuth\(\.\.\.\) already there \(unchanged\)/);
    });

    it('builds, and passes its own Vitest specs (the generated one uses the testing kit)', () => {
      run('npx', ['ng', 'build', '--stats-json', `--output-path=${distOf(mode)}`], APP_DIR);
      const output = run('npx', ['ng', 'test', '--watch=false'], APP_DIR);
      // The CLI's own spec (2 tests) and the generated account page's (2 tests).
      // eslint-disable-next-line no-control-regex
      assert.match(output.replace(/\x1b\[[0-9;]*m/g, ''), /Tests\s+4 passed/, output);
    });

    it('ships no code of the other mode: 0 bytes', (t) => {
      const bytes = bytesByInput(distOf(mode));
      const sum = (pattern: RegExp) =>
        [...bytes].filter(([input]) => pattern.test(input)).reduce((total, [, n]) => total + n, 0);
      t.diagnostic(
        `${mode} build: ${sum(OWN_MODE[mode])} bytes of its own mode's code, ` +
          `${sum(OTHER_MODE[mode])} of the other mode's`,
      );
      assert.ok(sum(OWN_MODE[mode]) > 0, `the build holds ${mode} mode's own code`);
      assert.equal(sum(OTHER_MODE[mode]), 0, "bytes of the other mode's code in the build");
    });
  });
}
