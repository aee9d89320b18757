/**
 * `npx tsx bff/main.ts`: starts the BFF with the configuration from the environment (see
 * config.ts and README.md) and stops it cleanly on SIGINT / SIGTERM.
 */
import { readConfig } from './config.ts';
import { ConfigError } from './errors.ts';
import { createBffServer } from './server.ts';
import { createSessionStore } from './session-store/index.ts';

let config;
try {
  config = readConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  // A configuration error is the operator's to fix: one clear line, no stack trace.
  console.error(`bff: ${error.message}`);
  process.exit(1);
}

// The client retries every few seconds while Redis is away: say so once per message and minute.
let lastStoreError = { message: '', at: 0 };
const { server } = await createBffServer({
  config,
  store: createSessionStore(config, (error) => {
    const now = Date.now();
    if (error.message === lastStoreError.message && now - lastStoreError.at < 60_000) return;
    lastStoreError = { message: error.message, at: now };
    // Only the message: a connection error could otherwise print the Redis URL with its password.
    console.error(`bff: session store: ${error.message}`);
  }),
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.log.info(`${signal}: closing`);
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}

await server.listen({ port: config.port, host: config.host });
server.log.info(
  `BFF for ${config.publicOrigin} (store: ${config.redis ? `redis ${config.redis.kind}` : 'memory'})`,
);
