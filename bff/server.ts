/**
 * The BFF's HTTP server (fastify 5): security headers and the app's CSP, cookies, the app's
 * endpoints, back-channel logout, the API proxy, the built app with an SPA fallback, and one error
 * handler that turns every failure into the JSON error contract. Never logs a token.
 */
import type { Writable } from 'node:stream';

import cookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';

import { AccessLog } from './access-log.ts';
import { appConfigOf, registerAppConfig } from './app-config.ts';
import { registerBackchannelLogout } from './backchannel.ts';
import { OWN_BODY_LIMIT, type BffConfig } from './config.ts';
import { BffError, SessionEndedError, UnavailableError } from './errors.ts';
import { createOidcClient, type OidcClient } from './oidc.ts';
import { registerProxy, SOURCE_HEADER } from './proxy.ts';
import { registerRateLimits } from './rate-limit/register.ts';
import { SessionRefresher } from './refresh.ts';
import { CALLBACK_PATH, errorSummary, registerAppRoutes } from './routes.ts';
import { loadPageRenderer, type PageRenderer } from './page-renderer.ts';
import { pageSession } from './page-session.ts';
import { renderFetch } from './render-fetch.ts';
import { pageSecurityHeaders, securityHeaders } from './security-headers.ts';
import type { BffContext } from './session-http.ts';
import type { SessionStore } from './session-store/types.ts';
import { clipStepUpParameters } from './step-up-sign-in.ts';
import type { TrustProxy } from './trust-proxy.ts';

export interface BffServerOptions {
  readonly config: BffConfig;
  readonly store: SessionStore;
  /** Default: openid-client against `config.issuer`. */
  readonly oidc?: OidcClient;
  /** Default Date.now; tests move the BFF's clock with it. */
  readonly now?: () => number;
  /** Where the JSON log goes; default stdout. `false` turns logging off. */
  readonly logStream?: Writable | false;
}

export interface BffServer {
  readonly server: FastifyInstance;
  readonly context: BffContext;
}

export async function createBffServer(options: BffServerOptions): Promise<BffServer> {
  const { config, store } = options;
  const now = options.now ?? Date.now;
  const oidc =
    options.oidc ??
    createOidcClient({
      issuer: config.issuer,
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      ...(config.clientAuth ? { clientAuth: config.clientAuth } : {}),
      scope: config.scope,
      redirectUri: `${config.publicOrigin}${CALLBACK_PATH}`,
      postLogoutRedirectUri: `${config.publicOrigin}${config.postLogoutPath}`,
      timeoutSeconds: config.providerTimeoutSeconds,
    });
  const refresher = new SessionRefresher({
    store,
    refreshGrant: (refreshToken, sub) => oidc.refresh(refreshToken, sub),
    revoke: async (refreshToken) => void (await oidc.revoke(refreshToken)),
    now,
    lockTtlMs: config.refreshLockTtlMs,
  });
  const context: BffContext = { config, store, oidc, refresher, now };

  const server = Fastify({
    logger:
      options.logStream === false
        ? false
        : {
            level: config.logLevel,
            ...(options.logStream ? { stream: options.logStream } : {}),
            serializers: {
              // Method, path and caller only: headers carry the cookie, the callback's query the code.
              req: (req) => ({
                method: req.method,
                url: redactUrl(req.url),
                remoteAddress: req.ip,
              }),
              res: (res) => ({ statusCode: res.statusCode }),
            },
            redact: {
              paths: ['*.headers.cookie', '*.headers.authorization', '*.headers["set-cookie"]'],
              censor: '[redacted]',
            },
          },
    logController: new AccessLog(),
    bodyLimit: OWN_BODY_LIMIT,
    // Behind a load balancer the public origin comes from the configuration, never from headers;
    // the client address (the rate limits' key) from X-Forwarded-For only as BFF_TRUST_PROXY says.
    trustProxy: fastifyTrustProxy(config.trustProxy),
  });

  await server.register(cookie);
  const security = securityHeaders({ loopback: config.loopback });
  server.addHook('onRequest', (_request, reply, done) => {
    reply.headers(security);
    done();
  });

  server.addHook('onSend', async (request, reply, payload) => {
    if (request.url.startsWith('/bff/')) {
      reply.header('cache-control', 'no-store');
      reply.header(SOURCE_HEADER, 'bff');
    }
    return payload;
  });

  server.setErrorHandler((error: FastifyError, request, reply) => {
    const failure = toBffError(error);
    // Rate limits and full sign-in bounds say when to come back.
    if ('retryAfterSeconds' in failure)
      reply.header('retry-after', String(failure.retryAfterSeconds));
    if (
      failure.status >= 500 &&
      !(failure instanceof UnavailableError) &&
      failure.code !== 'upstream_unreachable'
    ) {
      request.log.error({ error: errorSummary(error) }, 'unexpected error');
    }
    return reply
      .code(failure.status)
      .header(SOURCE_HEADER, 'bff')
      .header('cache-control', 'no-store')
      .send({
        error: failure.code,
        message: failure.message,
        ...(failure instanceof SessionEndedError ? { reason: failure.reason } : {}),
      });
  });

  // Before the routes: it adds its hook to each limited route as the route is registered.
  await registerRateLimits(server, store, config.rateLimits);
  registerAppConfig(server, config);
  registerAppRoutes(server, context);
  registerBackchannelLogout(server, context);
  await registerProxy(server, context);

  const renderPage = config.ssrEntry
    ? await loadPageRenderer({
        entry: config.ssrEntry,
        appConfig: appConfigOf(config),
        publicOrigin: config.publicOrigin,
      })
    : null;
  await server.register(fastifyStatic, {
    root: config.staticDir,
    // A server-rendered app's pages come from its renderer only (its HTML templates hold a nonce
    // placeholder and no policy of their own).
    index: renderPage ? false : 'index.html',
    // (A directory, `/` included, would be a 403 without an index file: it is a page too.)
    ...(renderPage
      ? { allowedPath: (path: string) => !path.endsWith('/') && !path.endsWith('.html') }
      : {}),
    setHeaders: (res, path) => {
      // The runtime configuration and the entry page must never be served stale after a deploy.
      if (path.endsWith('index.html') || path.endsWith('auth.config.json'))
        res.header('cache-control', 'no-cache');
    },
  });

  server.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    const isAppRoute =
      (request.method === 'GET' || request.method === 'HEAD') &&
      !path.startsWith('/bff/') &&
      !path.startsWith(config.api.prefix) &&
      !/\.[A-Za-z0-9]+$/.test(path);
    // Every app route is a page (rendered on the server, or index.html for the Angular router
    // to take over); a missing asset is a 404.
    if (isAppRoute && renderPage) {
      return sendRenderedPage(renderPage, request, reply, {
        context,
        security,
        fetch: renderFetch(server, request, {
          publicOrigin: config.publicOrigin,
          apiPrefix: config.api.prefix,
        }),
      });
    }
    if (isAppRoute) return reply.header('cache-control', 'no-cache').sendFile('index.html');
    return reply.send(new BffError('not_found', 404, 'not found'));
  });

  server.addHook('onClose', async () => {
    await store.close();
  });
  return { server, context };
}

/**
 * One page from the app's renderer, rendered with the request's session (see page-session.ts)
 * and under a policy that allows its nonce alone. Every page may show who is signed in, and is
 * rendered for that cookie: private, never stored, varying on the cookie, whatever the render
 * said (a redirect from a guard says nothing about caching). Cookies the session lookup set (a
 * pending sign-out finished) go out with the page.
 */
async function sendRenderedPage(
  renderPage: PageRenderer,
  request: FastifyRequest,
  reply: FastifyReply,
  page: {
    readonly context: BffContext;
    readonly security: Readonly<Record<string, string>>;
    readonly fetch: (request: Request) => Promise<Response>;
  },
): Promise<unknown> {
  const session = await pageSession(page.context, request, reply);
  const rendered = await renderPage(
    request.raw,
    session === undefined ? {} : { session, fetch: page.fetch },
  );
  if (!rendered) return reply.send(new BffError('not_found', 404, 'not found'));
  for (const [name, value] of rendered.response.headers) {
    if (name !== 'set-cookie') reply.header(name, value);
  }
  reply.header('cache-control', 'private, no-store');
  reply.header('vary', varyOnCookie(rendered.response.headers.get('vary')));
  reply.headers(pageSecurityHeaders(page.security, rendered.nonce));
  return reply
    .code(rendered.response.status)
    .send(Buffer.from(await rendered.response.arrayBuffer()));
}

/** `vary` with Cookie in it. */
function varyOnCookie(vary: string | null): string {
  const names = (vary ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  return names.some((name) => name.toLowerCase() === 'cookie')
    ? names.join(', ')
    : [...names, 'Cookie'].join(', ');
}

/** A hop count as proxy-addr reads one (fastify's types have no number form). */
function fastifyTrustProxy(
  trust: TrustProxy,
): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (trust === false) return false;
  if (typeof trust === 'number') return (_address, hop) => hop < trust;
  return [...trust];
}

/** Any error as one of the contract's errors. */
function toBffError(error: FastifyError | BffError): BffError {
  if (error instanceof BffError) return error;
  const status = error.statusCode ?? 500;
  if (status === 413) return new BffError('payload_too_large', 413, 'request body too large');
  if (status === 404) return new BffError('not_found', 404, 'not found');
  if (status >= 400 && status < 500) return new BffError('bad_request', status, error.message);
  return new BffError('internal_error', 500, 'internal error');
}

/** The callback's query holds the authorization code: log its path only. */
function redactUrl(url: string): string {
  // The step-up parameters of /bff/login are cut short: a request chooses them.
  return url.startsWith(CALLBACK_PATH) ? CALLBACK_PATH : clipStepUpParameters(url);
}
