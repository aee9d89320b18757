/**
 * Small helpers shared by the two dev servers, which use plain `node:http` on purpose: the
 * identity provider hands most requests to oidc-provider untouched, and the resource API is a
 * handful of routes, so a framework would add weight without removing code.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/** Writes a JSON body with `Cache-Control: no-store` (every answer here is per-request state). */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(payload),
    'Cache-Control': 'no-store',
  });
  res.end(payload);
}

/** Writes an HTML page that must never be cached or framed. */
export function sendHtml(
  res: ServerResponse,
  status: number,
  html: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(html),
    'Cache-Control': 'no-store',
    'X-Frame-Options': 'DENY',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(html);
}

/** The path part of a request URL, without the query string. */
export function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const queryStart = url.indexOf('?');
  return queryStart === -1 ? url : url.slice(0, queryStart);
}

/** A request body that is too large or of the wrong type; `status` is the HTTP answer. */
export class BodyError extends Error {
  constructor(
    readonly status: 413 | 415,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Reads an `application/x-www-form-urlencoded` body of at most `limit` bytes.
 * The limit is checked while streaming so an oversized body is never buffered whole.
 */
export async function readFormBody(
  req: IncomingMessage,
  limit = 8 * 1024,
): Promise<URLSearchParams> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    throw new BodyError(415, 'expected an application/x-www-form-urlencoded body');
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) {
    throw new BodyError(413, 'request body too large');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limit) {
      throw new BodyError(413, 'request body too large');
    }
    chunks.push(buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/** Starts listening and resolves with the bound port (the real one when `port` is 0). */
export async function listen(server: Server, port: number, host?: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') {
    throw new Error('server is not listening on a TCP port');
  }
  return address.port;
}

/** Stops accepting connections and drops open ones, so tests and Ctrl-C never hang on keep-alive. */
export async function closeServer(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
  });
  server.closeAllConnections();
  await closed;
}
