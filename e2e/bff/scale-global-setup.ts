import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** The BFF instances serve the production build; build it unless the e2e stage just did. */
export default function globalSetup(): void {
  const built = existsSync('dist/oidc-session/browser/index.html');
  if (process.env['E2E_REUSE_BUILD'] === '1' && built) return;
  execSync('npm run --silent build -- --progress=false --stats-json', { stdio: 'inherit' });
}
