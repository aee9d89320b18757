import type { FastifyInstance } from 'fastify';

import type { BffConfig } from './config.ts';

/**
 * The app's runtime configuration, served by the BFF itself at `/auth.config.json`: the build
 * ships the browser-mode file, and a BFF deployment must never serve that one (the app would then
 * try to hold tokens itself). Provider settings are not in it: they are the BFF's own.
 */
export function registerAppConfig(server: FastifyInstance, config: BffConfig): void {
  const body = appConfigOf(config);
  server.get('/auth.config.json', async (_request, reply) =>
    reply.header('cache-control', 'no-cache').send(body),
  );
}

/** The app's API calls go to the BFF's proxy, on the public origin, under its prefix. */
export interface AppConfig {
  readonly mode: 'bff';
  readonly postLogoutPath: string;
  readonly apis: readonly { readonly origin: string; readonly pathPrefix: string }[];
}

/**
 * The configuration the app runs with; the server render gets the same. It names the proxy's
 * prefix (BFF_API_PREFIX) and the public origin: the server render has no page origin of its own
 * to default to, and a prefix other than /api/ must reach the app too.
 */
export function appConfigOf(config: BffConfig): AppConfig {
  return {
    mode: 'bff',
    postLogoutPath: config.postLogoutPath,
    apis: [{ origin: config.publicOrigin, pathPrefix: config.api.prefix.replace(/\/$/, '') }],
  };
}
