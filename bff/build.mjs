/**
 * Builds the publishable BFF: `main.ts` and everything it imports from this repository (the app's
 * return-path rule included) bundled into one ES module, `dist/oidc-session-bff.js`, with a
 * shebang for the `oidc-session-bff` bin. npm packages stay imports, installed from
 * package.json's dependencies: the package runs on plain Node, with no TypeScript runtime.
 */
import { chmod } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const outfile = join(here, 'dist', 'oidc-session-bff.js');

await build({
  entryPoints: [join(here, 'main.ts')],
  outfile,
  bundle: true,
  packages: 'external',
  platform: 'node',
  format: 'esm',
  target: 'node20.19',
  banner: { js: '#!/usr/bin/env node' },
  legalComments: 'none',
  logLevel: 'warning',
});
await chmod(outfile, 0o755);
console.log(`built ${outfile}`);
