import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The file name of the production build's browser chunk that holds angular-oauth2-oidc, from
 * esbuild's metafile (`ng build --stats-json`, as the e2e web servers build). The metafile also
 * lists the server build's chunks (`.mjs`), which no browser loads.
 */
export function libraryChunk(): string {
  const metafile = JSON.parse(
    readFileSync(join(__dirname, '..', '..', 'dist', 'oidc-session', 'stats.json'), 'utf8'),
  ) as { outputs: Record<string, { inputs: Record<string, unknown> }> };
  const chunks = Object.entries(metafile.outputs)
    .filter(([path]) => path.endsWith('.js'))
    .filter(([, output]) =>
      Object.keys(output.inputs).some((input) =>
        input.includes('node_modules/angular-oauth2-oidc/'),
      ),
    )
    .map(([path]) => path.split('/').pop()!);
  if (chunks.length !== 1) {
    throw new Error(`expected angular-oauth2-oidc in exactly one chunk, found ${chunks.length}`);
  }
  return chunks[0];
}
