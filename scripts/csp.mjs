// The Content-Security-Policy header for the production build. Scripts are governed by the
// policy Angular's `security.autoCsp` writes into index.html (hashes + 'strict-dynamic'); this
// header adds what only the runtime configuration knows: the token and API requests may go to
// this origin, the provider and the configured APIs, and nowhere else.
// Print it for a deployment: node scripts/csp.mjs path/to/auth.config.json
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** @param {{ issuer: string, apis?: { origin: string }[] }} config */
export function cspHeader(config) {
  const origins = new Set([
    new URL(config.issuer).origin,
    ...(config.apis ?? []).map((api) => new URL(api.origin).origin),
  ]);
  return [
    `connect-src 'self' ${[...origins].join(' ')}`,
    // Angular adds component styles as <style> elements at run time.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2] ?? new URL('../public/auth.config.json', import.meta.url);
  console.log(cspHeader(JSON.parse(readFileSync(file, 'utf8'))));
}
