// Writes the auth configuration the dev server serves as /auth.config.json: the committed
// public/auth.config.json with the dev stack's provider and API moved to the ports in the
// environment, so that `npm start` and the e2e stack need no edits on other ports. With
// OIDC_ISSUER set, the provider and client are the external ones instead (see stack-env.mjs).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { stackEnv } from './stack-env.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const DEV_ISSUER = 'http://localhost:9000';
const DEV_API = 'http://localhost:3000';

/** @returns {object} the configuration for the given stack environment */
export function runtimeConfig(env = stackEnv()) {
  const config = JSON.parse(readFileSync(join(root, 'public', 'auth.config.json'), 'utf8'));
  if (env.external) {
    const { issuer, clientId, scope, strictDiscovery, authorizeParams } = env.external;
    Object.assign(config, { issuer, clientId, scope, strictDiscovery });
    if (authorizeParams) config.authorizeParams = authorizeParams;
  } else if (config.issuer === DEV_ISSUER) {
    config.issuer = env.issuer;
  }
  config.apis = (config.apis ?? []).map((api) =>
    api.origin === DEV_API ? { ...api, origin: env.apiOrigin } : api,
  );
  return config;
}

/** Writes `config` as `<dir>/auth.config.json` and returns that file's path. */
export function writeRuntimeConfig(config, dir = join(root, '.runtime')) {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'auth.config.json');
  writeFileSync(file, JSON.stringify(config, null, 2) + '\n');
  return file;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeRuntimeConfig(runtimeConfig());
}
