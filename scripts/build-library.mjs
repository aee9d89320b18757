/**
 * Builds the publishable library, `dist/@oidc-session/angular`: ng-packagr through the Angular
 * CLI for the four entry points, then the `ng add` schematic with its schema and file templates.
 * The package is an ES module package, and the CLI loads schematics with `require`: the schematic
 * is type-checked, then bundled to CommonJS as `.cjs` (as @angular/core ships its own), with the
 * Angular devkit left to the app's installation.
 */
import { execFileSync } from 'node:child_process';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PROJECT = join(ROOT, 'projects/oidc-session/angular');

/** The schematic collection, ready to load, in `outDir` (the package's `schematics/`). */
export async function buildSchematics(outDir) {
  await build({
    entryPoints: [join(PROJECT, 'schematics/ng-add/index.ts')],
    outfile: join(outDir, 'ng-add/index.cjs'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['@angular-devkit/*', '@schematics/angular', '@schematics/angular/*'],
    logLevel: 'warning',
  });
  for (const file of ['collection.json', 'ng-add/schema.json', 'ng-add/files']) {
    cpSync(join(PROJECT, 'schematics', file), join(outDir, file), { recursive: true });
  }
}

async function main() {
  const run = (command, args) => execFileSync(command, args, { stdio: 'inherit', cwd: ROOT });
  run('npx', ['ng', 'build', '@oidc-session/angular']);
  run('npx', ['tsc', '-p', join(PROJECT, 'tsconfig.schematics.json')]);
  const out = join(ROOT, 'dist/@oidc-session/angular/schematics');
  await buildSchematics(out);
  console.log(`built ${out}`);
}

// No top-level await: the tests import buildSchematics through tsx, which may load this as CommonJS.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
