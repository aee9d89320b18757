/**
 * The start-up and shutdown routine both `main.ts` files share.
 */

export interface Closable {
  close(): Promise<void>;
}

/**
 * Starts a server, logs one ready line, and closes it on Ctrl-C / SIGTERM. A failure to start
 * (bad environment variable, port in use) ends the process with one readable line and exit 1.
 */
export async function runServer<T extends Closable>(
  label: string,
  portVariable: string,
  start: () => Promise<T>,
  readyLine: (server: T) => string,
): Promise<void> {
  let server: T;
  try {
    server = await start();
  } catch (error) {
    console.error(`${label} failed to start: ${describeStartError(error, portVariable)}`);
    process.exit(1);
  }
  console.log(`${label} ready: ${readyLine(server)}`);

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      server.close().finally(() => process.exit(0));
    });
  }
}

function describeStartError(error: unknown, portVariable: string): string {
  if (error instanceof Error && 'code' in error && error.code === 'EADDRINUSE') {
    return `${error.message} (set ${portVariable} to use another port)`;
  }
  return error instanceof Error ? error.message : String(error);
}
