/**
 * The API proxy: `<prefix><path>` on the BFF goes to `<upstream><path>` with the session's access
 * token attached on the server. Only the configured upstream and methods, only normalised paths.
 * A token about to expire is refreshed first; an upstream 401 is tied to the token version that
 * was sent: a newer stored version is retried without a refresh, else one shared refresh and one
 * retry. When that retry is refused too, the version is marked and later 401s for it pass through
 * without a refresh (the 401 brake): an API that refuses every token costs at most one refresh
 * per session version. A 401 asking for a stronger sign-in (RFC 9470, step-up.ts) is passed to
 * the app as it came.
 */
import replyFrom from '@fastify/reply-from';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { assertSameOrigin } from './csrf.ts';
import { BffError, SessionEndedError, UnavailableError } from './errors.ts';
import { idleDeadline, requireSession, secondsLeft, type BffContext } from './session-http.ts';
import { isStepUpChallenge } from './step-up.ts';
import type { SessionRecord, TokenRecord } from './session-store/types.ts';

/** Marks every answer that comes from the API rather than from the BFF itself. */
export const SOURCE_HEADER = 'x-bff-source';
/** The session version whose access token the API saw. */
export const VERSION_HEADER = 'x-bff-session-version';
/** Present on an API 401/403 the BFF already refreshed and retried for (or braked): do not refresh again. */
export const RETRIED_HEADER = 'x-bff-retried';
/**
 * Whole seconds until the session ends unless used again, counted after this request's touch
 * (as `idleExpiresIn` of `/bff/session`): on every answer to a request that had a live session,
 * never on one without (no session, or it ended during the request).
 */
export const IDLE_EXPIRES_HEADER = 'x-bff-idle-expires-in';

/** Request headers the API must not see: the browser's credentials and the BFF's own. */
const DROPPED_REQUEST_HEADERS = [
  'cookie',
  'authorization',
  'proxy-authorization',
  'x-bff-csrf',
  'origin',
  'referer',
];

export async function registerProxy(server: FastifyInstance, context: BffContext): Promise<void> {
  const { config, refresher, store } = context;
  const { prefix, upstream, methods } = config.api;
  /** When each request's session ends unless used again (after its touch): see IDLE_EXPIRES_HEADER. */
  const idleDeadlines = new WeakMap<FastifyRequest, number>();

  await server.register(async (scope) => {
    await scope.register(replyFrom, {
      base: upstream.origin,
      undici: { headersTimeout: 30_000, bodyTimeout: 30_000 },
      disableRequestLogging: true,
    });
    // Bodies pass through as raw bytes, under the proxy's own limit: over it is 413.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      '*',
      { parseAs: 'buffer', bodyLimit: config.proxyBodyLimit },
      (_req, body, done) => done(null, body),
    );

    // Every answer of a request with a live session says how long it lives unused, counted when
    // the answer leaves; the API's own header of that name never reaches the app. An answer that
    // the session is gone (401 from the BFF: it ended during the request) says nothing.
    scope.addHook('onSend', async (request, reply, payload) => {
      const deadline = idleDeadlines.get(request);
      const sessionGone = reply.statusCode === 401 && reply.getHeader(SOURCE_HEADER) === 'bff';
      if (deadline === undefined || sessionGone) reply.removeHeader(IDLE_EXPIRES_HEADER);
      else reply.header(IDLE_EXPIRES_HEADER, String(secondsLeft(deadline, context.now())));
      return payload;
    });

    scope.route({
      method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
      url: `${prefix}*`,
      exposeHeadRoute: false,
      bodyLimit: config.proxyBodyLimit,
      onRequest: async (request) => assertSameOrigin(request, config.publicOrigin),
      handler: async (request, reply) => {
        if (!methods.has(request.method)) {
          throw new BffError(
            'method_not_allowed',
            405,
            `${request.method} is not forwarded to the API`,
          );
        }
        const target = upstreamPath(request.raw.url ?? '', prefix, upstream.pathname);
        const session = await requireSession(context, request, reply);
        idleDeadlines.set(request, idleDeadline(config, session));
        const tokens = await freshTokens(session);
        return forward(request, reply, session, target, {
          tokens,
          retried: false,
          brakeOn401: false,
        });
      },
    });
  });

  /** The stored tokens, refreshed first when the access token is about to expire. */
  async function freshTokens(session: SessionRecord): Promise<TokenRecord> {
    const { tokens } = session;
    const lifetime = tokens.accessTokenExpiresAt - tokens.receivedAt;
    // Never more than a quarter of the lifetime: a short-lived token must not refresh on every call.
    const leeway = Math.min(config.refreshLeewayMs, lifetime / 4);
    if (tokens.accessTokenExpiresAt - context.now() > leeway) return tokens;
    try {
      return await refresher.refresh(session.id, tokens.version);
    } catch (error) {
      // Provider or store away, but the token has not quite expired yet: it still works.
      if (error instanceof UnavailableError && tokens.accessTokenExpiresAt > context.now()) {
        return tokens;
      }
      throw error;
    }
  }

  interface Attempt {
    readonly tokens: TokenRecord;
    /** This is the one retry: its answer goes to the app whatever it is. */
    readonly retried: boolean;
    /** The retry follows a 401-triggered refresh: a 401 now sets the brake on this version. */
    readonly brakeOn401: boolean;
  }

  function forward(
    request: FastifyRequest,
    reply: FastifyReply,
    session: SessionRecord,
    target: string,
    attempt: Attempt,
  ): FastifyReply {
    const { tokens, retried } = attempt;
    const body = request.body;
    return reply.from(target, {
      // The buffered bytes as they came, with their exact Content-Type: left to itself,
      // reply-from would re-encode a JSON body and drop the type's parameters (charset).
      ...(Buffer.isBuffer(body) && body.length > 0
        ? { body, contentType: request.headers['content-type'] ?? 'application/octet-stream' }
        : {}),
      // reply-from would retry 503s of GETs up to 10 times; the app decides about retries.
      retryDelay: () => null,
      rewriteRequestHeaders: (_req, headers) => {
        const forwarded = { ...headers };
        for (const name of DROPPED_REQUEST_HEADERS) delete forwarded[name];
        forwarded['authorization'] = `Bearer ${tokens.accessToken}`;
        return forwarded;
      },
      rewriteHeaders: (headers) => {
        const answer: Record<string, unknown> = { ...headers };
        // The API must not set cookies on the app's origin, nor widen CORS for it.
        for (const name of Object.keys(answer)) {
          if (name === 'set-cookie' || name.startsWith('access-control-')) delete answer[name];
        }
        answer[SOURCE_HEADER] = 'api';
        answer[VERSION_HEADER] = String(tokens.version);
        if (retried) answer[RETRIED_HEADER] = '1';
        return answer as typeof headers;
      },
      onResponse: (_req, _reply, res) => {
        const upstreamHeaders = (res as unknown as { headers: Record<string, unknown> }).headers;
        if (res.statusCode === 401 && isStepUpChallenge(upstreamHeaders['www-authenticate'])) {
          // A stronger sign-in is wanted (RFC 9470): the app's to ask for, nothing to refresh.
          reply.send(res.stream);
          return;
        }
        if (res.statusCode === 401 && attempt.brakeOn401) {
          // Refused even fresh: later 401s for this version pass through without a refresh.
          const { revision, ...record } = tokens;
          void store
            .writeTokens(session.id, revision, { ...record, apiRefused: true })
            .catch(() => 'conflict')
            .then(() => reply.send(res.stream));
          return;
        }
        if (res.statusCode !== 401 || retried) {
          reply.send(res.stream);
          return;
        }
        // Drop the refused answer and its headers, then decide about the one retry.
        res.stream.resume();
        for (const name of Object.keys(upstreamHeaders)) reply.removeHeader(name);
        // A session that ended keeps its cookie: see requireSession.
        afterUnauthorized(request, reply, session, tokens, target).catch((error: unknown) =>
          reply.send(error),
        );
      },
      onError: (_reply, { error }) => {
        request.log.warn(
          { error: { type: error.name, message: error.message } },
          'API unreachable',
        );
        reply.send(new BffError('upstream_unreachable', 502, 'the API could not be reached'));
      },
    });
  }

  /** One retry for a 401: with a newer stored version, or after one shared refresh. */
  async function afterUnauthorized(
    request: FastifyRequest,
    reply: FastifyReply,
    session: SessionRecord,
    sent: TokenRecord,
    target: string,
  ): Promise<void> {
    const lookup = await store.getSession(session.id);
    if (lookup.state === 'ended') throw new SessionEndedError(lookup.reason);
    const current = lookup.state === 'active' ? lookup.session.tokens : sent;
    if (current.version > sent.version || current.apiRefused) {
      // A newer token exists (the 401 was for an older one), or the brake is on for this one.
      forward(request, reply, session, target, {
        tokens: current,
        retried: true,
        brakeOn401: false,
      });
      return;
    }
    const fresh = await refresher.refresh(session.id, sent.version);
    forward(request, reply, session, target, { tokens: fresh, retried: true, brakeOn401: true });
  }
}

/**
 * `<prefix><rest>` → `<upstream path><rest><query>`. Refuses what could climb out of the
 * upstream path once decoded by someone: `.`/`..` segments, empty segments, backslashes,
 * encoded `.`, `/`, `\` or `%`, and control characters.
 */
export function upstreamPath(rawUrl: string, prefix: string, upstreamBase: string): string {
  const queryAt = rawUrl.indexOf('?');
  const path = queryAt === -1 ? rawUrl : rawUrl.slice(0, queryAt);
  const query = queryAt === -1 ? '' : rawUrl.slice(queryAt);
  if (!path.startsWith(prefix)) throw forbiddenTarget();
  const rest = path.slice(prefix.length);
  if (/%(2e|2f|5c|25|00)/i.test(rest) || /[\\\u0000-\u001f\u007f]/.test(rest))
    throw forbiddenTarget();
  const segments = rest.split('/');
  if (
    segments.some(
      (segment, index) =>
        segment === '.' || segment === '..' || (segment === '' && index < segments.length - 1),
    )
  ) {
    throw forbiddenTarget();
  }
  if (/[\u0000-\u001f\u007f#]/.test(query)) throw forbiddenTarget();
  return `${upstreamBase}${rest}${query}`;
}

function forbiddenTarget(): BffError {
  return new BffError('forbidden_target', 404, 'this path is not forwarded to the API');
}
