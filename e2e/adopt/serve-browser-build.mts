/**
 * Serves the consumer's browser-mode build on the e2e app port the way the demo's is served
 * (scripts/serve-dist.mjs: CSP from its configuration, index.html for app routes), with the
 * auth.config.json `ng add` wrote into it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { serveDist } from '../../scripts/serve-dist.mjs';
import { E2E_ENV } from '../helpers/stack.ts';
import { distOf } from './paths.ts';

const root = join(distOf('browser'), 'browser');
const config = JSON.parse(readFileSync(join(root, 'auth.config.json'), 'utf8')) as object;
await serveDist({ root, port: Number(E2E_ENV.APP_PORT), config });
console.log(`the consumer's browser-mode build on port ${E2E_ENV.APP_PORT}`);
