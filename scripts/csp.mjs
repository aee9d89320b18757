// The Content-Security-Policy header for the production build. Server-rendered pages get a
// strict script policy with this response's nonce ('strict-dynamic': only scripts the page's own
// nonced scripts load may run); the rest of the policy is what only the runtime configuration
// knows: the token and API requests may go to this origin, the provider and the configured APIs,
// and nowhere else. (A client-only build without a nonce, the bench's apps, gets the rest only.)
// Print it for a deployment: node scripts/csp.mjs path/to/auth.config.json
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * @param {{ issuer: string, apis?: { origin: string }[] }} config
 * @param {{ nonce?: string }} [options]
 */
export function cspHeader(config, { nonce } = {}) {
  const origins = new Set([
    new URL(config.issuer).origin,
    ...(config.apis ?? []).map((api) => new URL(api.origin).origin),
  ]);
  return [
    // `https: 'unsafe-inline'` only for browsers older than CSP 3, which ignore the rest;
    // any browser that knows 'strict-dynamic' ignores both.
    ...(nonce ? [`script-src 'nonce-${nonce}' 'strict-dynamic' https: 'unsafe-inline'`] : []),
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
  console.log(cspHeader(JSON.parse(readFileSync(file, 'utf8')), { nonce: '<per-response nonce>' }));
}
