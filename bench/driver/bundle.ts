/**
 * 8: the production build's initial JavaScript, raw and gzip, and how much of it is the auth
 * layer's own code (src/app/auth) next to angular-oauth2-oidc, from esbuild's metafile
 * (`ng build --stats-json`). Per-module gzip sizes do not exist, so a module's gzip figure is
 * its share of the raw bytes applied to the gzip total.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { Results } from './report';
import { ROOT } from './stack';

interface Metafile {
  outputs: Record<string, { bytes: number; inputs: Record<string, { bytesInOutput: number }> }>;
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
  const kB = (bytes: number) => bytes / 1024;
  results.add('this', 'bundle-initial-js-raw', 1, 'kB', kB(raw));
  results.add('this', 'bundle-initial-js-gzip', 1, 'kB', kB(gzip));
  results.add('this', 'bundle-auth-raw', 1, 'kB', kB(auth));
  results.add('this', 'bundle-auth-gzip', 1, 'kB (est.)', kB((gzip * auth) / raw));
  results.add('this', 'bundle-auth-share', 1, '% of initial', (100 * auth) / raw);
  results.add('this', 'bundle-angular-oauth2-oidc-raw', 1, 'kB', kB(library));
  results.add('this', 'bundle-angular-oauth2-oidc-share', 1, '% of initial', (100 * library) / raw);
}
