/**
 * 8: the production build's initial JavaScript, raw and gzip, and how much of it is the auth
 * layer's own code (the library, projects/oidc-session/angular) next to angular-oauth2-oidc, from esbuild's metafile
 * (`ng build --stats-json`). Per-module gzip sizes do not exist, so a module's gzip figure is
 * its share of the raw bytes applied to the gzip total. Initial files are what index.html loads
 * (entry script and modulepreloads), checked against the metafile's static-import closure of
 * src/main.ts; lazy chunks (routes, the sign-in chunk with angular-oauth2-oidc) are not counted.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
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
  // The page template of the server-rendered app (the same script and preload tags its server
  // pages carry); index.html for a client-rendered build.
  const template = existsSync(join(browserDir, 'index.html')) ? 'index.html' : 'index.csr.html';
  const index = readFileSync(join(browserDir, template), 'utf8');
  // Initial files: the entry script and what index.html preloads; lazy route chunks are not.
  const initial = [
    ...index.matchAll(/(?:href="|src="|\[')((?:main|chunk|polyfills)-[\w-]+\.js)/g),
  ].map((m) => m[1]);
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
      if (input.startsWith('projects/oidc-session/angular/')) auth += bytesInOutput;
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

/** The session layer's own JavaScript and the libraries only it pulls in. */
const AUTH_LAYER =
  /^(projects\/oidc-session\/angular\/|node_modules\/(angular-oauth2-oidc|dpop)\/)/;
/** Code only browser mode needs: in a BFF-only app, any byte of it is a leak. */
const BROWSER_MODE =
  /^(projects\/oidc-session\/angular\/browser\/|node_modules\/(angular-oauth2-oidc|dpop)\/)/;
/** The goals of issue 22 for the auth layer's initial JavaScript, kB gzip. */
export const MODE_GOALS_KB_GZIP = { bff: 8, browser: 12 } as const;

/** Initial JavaScript of a build: what its index.html loads, raw and gzip (level 9). */
function initialJs(dist: string): { files: Set<string>; raw: number; gzip: number } {
  const browserDir = join(dist, 'browser');
  const index = readFileSync(join(browserDir, 'index.html'), 'utf8');
  const files = new Set(
    [...index.matchAll(/(?:href="|src="|\[')((?:main|chunk|polyfills)-[\w-]+\.js)/g)].map(
      (m) => m[1],
    ),
  );
  let raw = 0;
  let gzip = 0;
  for (const file of files) {
    const content = readFileSync(join(browserDir, file));
    raw += content.length;
    gzip += gzipSync(content, { level: 9 }).length;
  }
  return { files, raw, gzip };
}

function buildBench(project: string): string {
  execFileSync('npx', ['ng', 'build', project, '--stats-json', '--progress=false'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return join(ROOT, 'bench', '.tmp', 'dist', project.replace(/^bench-/, ''));
}

/**
 * Per declared mode (bench/apps/mode-*: the same small app declaring only that mode):
 * - the session layer's own modules (the library, angular-oauth2-oidc, dpop) in the initial
 *   chunks, by module path from esbuild's metafile: raw, and gzip estimated as each module's share
 *   of its chunk's raw bytes applied to the chunk's gzip size (the measure the goals are set in);
 * - what the session layer adds to the app's initial JavaScript, raw and gzip: the initial files
 *   of the app minus those of the same app without it (bench/apps/mode-none), so gzip is measured,
 *   not estimated, and the Angular and RxJS code the layer pulls in counts too;
 * - its own modules (the library, angular-oauth2-oidc, dpop) in the lazy chunks, by module path
 *   from esbuild's metafile (raw);
 * - BFF mode: the bytes of browser-mode code in any chunk (goal 0); browser mode: dpop in the
 *   initial chunks (goal 0: it is loaded with the first DPoP key or proof).
 */
export function measureModeBundles(results: Results): void {
  const baseline = initialJs(buildBench('bench-mode-none'));
  for (const mode of ['bff', 'browser'] as const) {
    const dist = buildBench(`bench-mode-${mode}`);
    const initial = initialJs(dist);
    const metafile = JSON.parse(readFileSync(join(dist, 'stats.json'), 'utf8')) as Metafile;
    let own = 0;
    let ownGzip = 0;
    let lazy = 0;
    let browserCode = 0;
    let dpopInitial = 0;
    for (const [path, output] of Object.entries(metafile.outputs)) {
      if (!path.endsWith('.js')) continue;
      const file = path.split('/').at(-1)!;
      const isInitial = initial.files.has(file);
      const content = readFileSync(join(dist, 'browser', file));
      const gzipShare = gzipSync(content, { level: 9 }).length / content.length;
      for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
        if (AUTH_LAYER.test(input)) {
          if (isInitial) {
            own += bytesInOutput;
            ownGzip += bytesInOutput * gzipShare;
          } else {
            lazy += bytesInOutput;
          }
        }
        if (BROWSER_MODE.test(input)) browserCode += bytesInOutput;
        if (isInitial && input.startsWith('node_modules/dpop/')) dpopInitial += bytesInOutput;
      }
    }
    const kB = (bytes: number) => bytes / 1024;
    const goal = MODE_GOALS_KB_GZIP[mode];
    const prefix = `bundle-${mode}-only`;
    results.add('this', `${prefix}-auth-initial-raw`, 1, 'kB', kB(own));
    results.add('this', `${prefix}-auth-initial-gzip`, 1, `kB (est.; goal ≤ ${goal})`, kB(ownGzip));
    results.add('this', `${prefix}-initial-added-raw`, 1, 'kB', kB(initial.raw - baseline.raw));
    results.add('this', `${prefix}-initial-added-gzip`, 1, 'kB', kB(initial.gzip - baseline.gzip));
    results.add('this', `bundle-${mode}-only-auth-lazy-raw`, 1, 'kB', kB(lazy));
    if (mode === 'bff') {
      results.add(
        'this',
        'bundle-bff-only-browser-mode-code',
        1,
        'bytes, any chunk (goal 0)',
        browserCode,
      );
    } else {
      results.add('this', 'bundle-browser-only-dpop-initial', 1, 'bytes (goal 0)', dpopInitial);
    }
  }
}
