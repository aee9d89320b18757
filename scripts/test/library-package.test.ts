// The library as ng-packagr builds it: the package a team installs. Its entry points, its peer
// dependencies, and the pay-for-what-you-use rule at the package level: the core and BFF mode
// import neither angular-oauth2-oidc nor dpop, and browser mode imports them only from chunks it
// loads on demand (a sign-in; a DPoP-bound session).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';

const ROOT = join(import.meta.dirname, '..', '..');
const PACKAGE = join(ROOT, 'dist', '@oidc-session', 'angular');
const FESM = join(PACKAGE, 'fesm2022');

/** The module names a bundle file imports statically (`import`/`export ... from 'x'`). */
function staticImports(file: string): string[] {
  const code = readFileSync(join(FESM, file), 'utf8');
  return [...code.matchAll(/^(?:import|export)\s[^;]*?from\s+'([^']+)';/gms)].map(
    (match) => match[1],
  );
}

/** The files a bundle file imports on demand (`import('./x.mjs')`). */
function lazyImports(file: string): string[] {
  const code = readFileSync(join(FESM, file), 'utf8');
  return [...code.matchAll(/import\('\.\/([^']+)'\)/g)].map((match) => match[1]);
}

/** Every file reachable from `entry` by static imports within the package. */
function staticClosure(entry: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const imported of staticImports(file)) {
      if (imported.startsWith('./')) visit(imported.slice(2));
    }
  };
  visit(entry);
  return [...seen];
}

const external = (file: string) => staticImports(file).filter((name) => !name.startsWith('./'));

describe('the @oidc-session/angular package', () => {
  let manifest: {
    exports: Record<string, unknown>;
    peerDependencies: Record<string, string>;
    peerDependenciesMeta: Record<string, { optional?: boolean }>;
  };

  before(() => {
    execFileSync('npx', ['ng', 'build', '@oidc-session/angular'], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    manifest = JSON.parse(readFileSync(join(PACKAGE, 'package.json'), 'utf8'));
  });

  it('has the four entry points: the core, each mode, and the testing kit', () => {
    assert.deepEqual(Object.keys(manifest.exports).sort(), [
      '.',
      './bff',
      './browser',
      './package.json',
      './testing',
    ]);
  });

  it('declares Angular and RxJS as peers, and browser mode’s libraries as optional peers', () => {
    for (const peer of ['@angular/common', '@angular/core', '@angular/router', 'rxjs']) {
      assert.ok(manifest.peerDependencies[peer], `${peer} is a peer dependency`);
    }
    for (const peer of ['angular-oauth2-oidc', 'dpop']) {
      assert.ok(manifest.peerDependencies[peer], `${peer} is a peer dependency`);
      assert.equal(manifest.peerDependenciesMeta[peer]?.optional, true, `${peer} is optional`);
    }
  });

  it('the core and BFF mode import neither angular-oauth2-oidc nor dpop, in any chunk', () => {
    const files = readdirSync(FESM).filter((file) => file.endsWith('.mjs'));
    const core = files.filter(
      (file) => !/^oidc-session-angular-(browser|testing)/.test(file) && file.includes('angular'),
    );
    assert.ok(
      core.some((file) => file.startsWith('oidc-session-angular-bff')),
      'a BFF file',
    );
    for (const file of core) {
      for (const name of external(file)) {
        assert.ok(
          !/^(angular-oauth2-oidc|dpop)$/.test(name) && !name.endsWith('/browser'),
          `${file} imports ${name}`,
        );
      }
    }
  });

  it('browser mode loads its backend, angular-oauth2-oidc and dpop only on demand', () => {
    const initial = staticClosure('oidc-session-angular-browser.mjs');
    for (const file of initial) {
      assert.deepEqual(
        external(file).filter((name) => name === 'angular-oauth2-oidc' || name === 'dpop'),
        [],
        `${file}, loaded with the entry point, imports neither`,
      );
    }
    const door = initial.flatMap(lazyImports).find((file) => file.includes('browser-mode-door'));
    assert.ok(door, 'the backend is a chunk of its own, imported on demand');
    // The backend runs from start-up on; a session without DPoP must not load dpop with it.
    for (const file of staticClosure(door)) {
      assert.ok(!external(file).includes('dpop'), `${file} (with the backend) imports dpop`);
    }
    const signIn = staticClosure(door)
      .flatMap(lazyImports)
      .find((file) => file.includes('library-sign-in'));
    assert.ok(signIn, 'the sign-in (angular-oauth2-oidc) is a chunk of its own');
    assert.ok(external(signIn).includes('angular-oauth2-oidc'));
  });
});
