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

/** The configuration the app runs with; the server render gets the same. */
export function appConfigOf(config: BffConfig): { mode: 'bff'; postLogoutPath: string } {
  return { mode: 'bff', postLogoutPath: config.postLogoutPath };
}
