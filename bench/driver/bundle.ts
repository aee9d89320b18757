/**
 * 8: the production build's initial JavaScript, raw and gzip, and how much of it is the auth
 * layer's own code (src/app/auth) next to angular-oauth2-oidc, from esbuild's metafile
 * (`ng build --stats-json`). Per-module gzip sizes do not exist, so a module's gzip figure is
 * its share of the raw bytes applied to the gzip total. Initial files are what index.html loads
 * (entry script and modulepreloads), checked against the metafile's static-import closure of
 * src/main.ts; lazy chunks (routes, the sign-in chunk with angular-oauth2-oidc) are not counted.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { Results } from './report';
import { ROOT } from './stack';

interface Metafile {
  outputs: Record<
    string,
    {
      bytes: number;
      inputs: Record<string, { bytesInOutput: number }>;
      imports?: { path: string; kind: string }[];
      entryPoint?: string;
    }
  >;
}

export const APP_DIST = join(ROOT, 'bench', '.tmp', 'dist', 'app');

export function buildApp(): void {
  execFileSync(
    'npx',
    ['ng', 'build', '--stats-json', '--progress=false', `--output-path=${APP_DIST}`],
    {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
}

export function measureBundle(results: Results): void {
  const browserDir = join(APP_DIST, 'browser');
  const index = readFileSync(join(browserDir, 'index.html'), 'utf8');
  // Initial files: the entry script and what index.html preloads; lazy route chunks are not.
  const initial = [...index.matchAll(/(?:href="|\[')((?:main|chunk|polyfills)-[\w-]+\.js)/g)].map(
    (m) => m[1],
  );
  const metafile = JSON.parse(readFileSync(join(APP_DIST, 'stats.json'), 'utf8')) as Metafile;
  checkInitialFiles(initial, metafile);
  let raw = 0;
  let gzip = 0;
  let auth = 0;
  let library = 0;
  for (const file of new Set(initial)) {
    const content = readFileSync(join(browserDir, file));
    raw += content.length;
    gzip += gzipSync(content, { level: 9 }).length;
    const output = Object.entries(metafile.outputs).find(([path]) => path.endsWith(file))?.[1];
    for (const [input, { bytesInOutput }] of Object.entries(output?.inputs ?? {})) {
      if (input.startsWith('src/app/auth/')) auth += bytesInOutput;
      if (input.includes('node_modules/angular-oauth2-oidc/')) library += bytesInOutput;
    }
  }
  // What angular-oauth2-oidc weighs where it now lives: the lazy chunks (sign-in only).
  let lazyLibrary = 0;
  for (const [path, output] of Object.entries(metafile.outputs)) {
    if (!path.endsWith('.js') || initial.some((file) => path.endsWith(file))) continue;
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs))
      if (input.includes('node_modules/angular-oauth2-oidc/')) lazyLibrary += bytesInOutput;
  }
  const kB = (bytes: number) => bytes / 1024;
  results.add('this', 'bundle-initial-js-raw', 1, 'kB', kB(raw));
  results.add('this', 'bundle-initial-js-gzip', 1, 'kB', kB(gzip));
  results.add('this', 'bundle-auth-raw', 1, 'kB', kB(auth));
  results.add('this', 'bundle-auth-gzip', 1, 'kB (est.)', kB((gzip * auth) / raw));
  results.add('this', 'bundle-auth-share', 1, '% of initial', (100 * auth) / raw);
  results.add('this', 'bundle-angular-oauth2-oidc-raw', 1, 'kB', kB(library));
  results.add('this', 'bundle-angular-oauth2-oidc-share', 1, '% of initial', (100 * library) / raw);
  results.add('this', 'bundle-angular-oauth2-oidc-lazy-raw', 1, 'kB', kB(lazyLibrary));
}

/**
 * The initial files read from index.html must be exactly the entry script and what it imports
 * statically (transitively), per the metafile: a lazy chunk counted as initial, or an initial
 * one missed, would make every bundle figure wrong.
 */
function checkInitialFiles(fromIndex: readonly string[], metafile: Metafile): void {
  const outputs = Object.entries(metafile.outputs);
  const entry = outputs.find(([, output]) => output.entryPoint === 'src/main.ts')?.[0];
  if (!entry) throw new Error('bundle: no output for src/main.ts in the metafile');
  const closure = new Set<string>();
  const visit = (path: string) => {
    if (closure.has(path)) return;
    closure.add(path);
    for (const imported of metafile.outputs[path]?.imports ?? [])
      if (imported.kind === 'import-statement') visit(imported.path);
  };
  visit(entry);
  const name = (path: string) => path.split('/').at(-1)!;
  const expected = [...closure].map(name).sort();
  const found = [...new Set(fromIndex)].sort();
  if (expected.join() !== found.join())
    throw new Error(
      `bundle: index.html loads ${found.join(', ')} initially, ` +
        `but the metafile's static imports from main are ${expected.join(', ')}`,
    );
}
