/**
 * The limit for this stack, the baseline of the BFF's load rows: fastify and @fastify/reply-from
 * (the BFF's own versions) forwarding `/api/*` to the API with one fixed access token, in a process
 * of its own like the BFF, and nothing else: no cookie, no CSRF check, no session lookup, no helmet
 * headers, no logging. Whatever the BFF costs beyond this is its session work.
 *
 * `node --import tsx bench/driver/bare-proxy.ts <port> <upstream origin>`; the access token comes
 * on stdin (never in argv, which `ps` shows); prints `listening` once ready.
 */
import replyFrom from '@fastify/reply-from';
import fastify from 'fastify';
import { text } from 'node:stream/consumers';

const [port, upstream] = process.argv.slice(2);
if (!port || !upstream) throw new Error('usage: bare-proxy.ts <port> <upstream origin>');
const token = (await text(process.stdin)).trim();

const server = fastify({ logger: false });
// The same upstream settings as bff/proxy.ts.
await server.register(replyFrom, {
  base: upstream,
  undici: { headersTimeout: 30_000, bodyTimeout: 30_000 },
  disableRequestLogging: true,
});
server.get('/api/*', (request, reply) =>
  reply.from(request.url, {
    retryDelay: () => null,
    rewriteRequestHeaders: (_request, headers) => {
      const forwarded = { ...headers, authorization: `Bearer ${token}` };
      delete forwarded['cookie'];
      return forwarded;
    },
  }),
);
await server.listen({ port: Number(port), host: '::' });
console.log('listening');

process.once('SIGTERM', () => {
  server.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
