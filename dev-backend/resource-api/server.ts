/**
 * Starts the resource API on plain `node:http`. Every /api/* route needs a valid access token
 * from the dev identity provider (see verify-access-token.ts) carrying the route's scope (see
 * api-routes.ts): as `Bearer` (RFC 6750), or with the `DPoP` scheme and a proof when the token
 * is DPoP-bound (RFC 9449); authenticate.ts says which refusal comes from which rule.
 * /__dev/* serves the stats.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';

import { DEV_PATH_PREFIX, serveDevStats } from '../shared/dev-endpoint.ts';
import { closeServer, listen, pathOf, sendJson } from '../shared/http.ts';
import { authenticatedEnough, findApiRoute, grantsScope } from './api-routes.ts';
import { createAuthenticator } from './authenticate.ts';
import {
  insufficientScopeChallenge,
  insufficientUserAuthenticationChallenge,
  type AuthScheme,
} from './bearer.ts';
import { answerPreflight, applyCors } from './cors.ts';
import { createApiStats, type ApiStats } from './dev-stats.ts';
import { createDpopVerifier } from './dpop-proof.ts';
import {
  createAccessTokenVerifier,
  JwksUnavailableError,
  type AccessTokenClaims,
  type AccessTokenProfile,
} from './verify-access-token.ts';

/** The dev API's one endpoint that answers 401 to every token (see handleApi). */
export const REFUSES_EVERY_TOKEN = '/api/refuses-every-token';

export interface ResourceApiOptions {
  /** TCP port; 0 picks a free one. */
  readonly port: number;
  /** Interface to listen on; default: all (so `localhost` works as 127.0.0.1 and as ::1). */
  readonly host?: string;
  /** The identity provider's issuer, expected in `iss`. */
  readonly issuer: string;
  /** Expected `aud`: this API's origin, e.g. `http://localhost:3000`. */
  readonly audience: string;
  /** The app's origin, the only one allowed by CORS. */
  readonly appOrigin: string;
  /** Default `${issuer}/jwks`, or the discovery document's `jwks_uri` for an external provider. */
  readonly jwksUri?: string;
  /** How strictly tokens are checked; see verify-access-token.ts. Default `bundled`. */
  readonly profile?: AccessTokenProfile;
  /** Extra wait before each authorized answer, so parallel fetching is observable. Default 0. */
  readonly responseDelayMs?: number;
  /**
   * Refuse a valid token without the route's scope (403 insufficient_scope). The scope names
   * (`api`, `audit`) are the dev provider's, which an external provider need not use, so the
   * default is true for the `bundled` profile and false for `external`.
   */
  readonly enforceScopes?: boolean;
  /**
   * The origin clients call this API at, which DPoP proofs name in `htu`. Default
   * `http://localhost:<port>`; set it when a proxy publishes the API elsewhere.
   */
  readonly publicOrigin?: string;
  /**
   * `required`: every DPoP proof must carry a nonce from this API (RFC 9449 section 9); a proof
   * without one gets 401 `use_dpop_nonce` and a `DPoP-Nonce` header. Default `optional`.
   */
  readonly dpopNonce?: 'optional' | 'required';
  /**
   * How recent the sign-in behind a token for `GET /api/payments` must be, in seconds (its
   * `max_age`). Default 300, the demo contract's; the e2e harness shortens it so that a test can
   * see it pass.
   */
  readonly paymentsMaxAgeSeconds?: number;
}

export interface RunningResourceApi {
  /** e.g. `http://localhost:3000`. */
  readonly url: string;
  readonly port: number;
  /** What the API saw; also served at GET /__dev/stats. */
  readonly stats: ApiStats;
  close(): Promise<void>;
}

const API_PREFIX = '/api/';

/** Starts the resource API and resolves once it is listening. */
export async function startResourceApi(options: ResourceApiOptions): Promise<RunningResourceApi> {
  const { appOrigin, responseDelayMs = 0 } = options;
  const enforceScopes = options.enforceScopes ?? options.profile !== 'external';
  const verify = createAccessTokenVerifier(options);
  const stats = createApiStats();

  let publicOrigin = options.publicOrigin;
  const authenticateRequest = createAuthenticator({
    verifyToken: verify,
    verifyProof: createDpopVerifier({ requireNonce: options.dpopNonce === 'required' }),
    // Known once listening when port is 0; requests only arrive after that.
    publicOrigin: () => publicOrigin ?? '',
  });

  /** Answers 400/401 itself and returns undefined unless the request carries a valid token. */
  async function authenticate(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
  ): Promise<{ claims: AccessTokenClaims; scheme: AuthScheme } | undefined> {
    const outcome = await authenticateRequest(req, path);
    for (const [name, value] of Object.entries(outcome.headers)) {
      res.setHeader(name, value);
    }
    if (outcome.ok) {
      return outcome;
    }
    if (outcome.count === 'invalid_request') {
      stats.invalidRequest();
    } else {
      stats.unauthorized(outcome.count.unauthorized);
    }
    sendJson(res, outcome.status, outcome.body);
    return undefined;
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const authenticated = await authenticate(req, res, path);
    if (!authenticated) {
      return;
    }
    const { claims, scheme } = authenticated;
    if (path === REFUSES_EVERY_TOKEN) {
      // A misbehaving endpoint (think: a wrong audience reported as 401): it refuses tokens the
      // rest of the API accepts, so clients can show they do not refresh in a loop for it.
      sendJson(
        res,
        401,
        { error: 'invalid_token', error_description: 'this endpoint refuses every token' },
        { 'WWW-Authenticate': `${scheme === 'DPoP' ? 'DPoP' : 'Bearer'} error="invalid_token"` },
      );
      return;
    }
    if (req.method !== 'GET') {
      sendJson(res, 405, { error: 'method_not_allowed' }, { Allow: 'GET, OPTIONS' });
      return;
    }
    if (responseDelayMs > 0) {
      await delay(responseDelayMs);
    }
    const route = findApiRoute(path);
    if (!route) {
      sendJson(res, 404, { error: 'not_found' });
      return;
    }
    if (enforceScopes && !grantsScope(claims, route.scope)) {
      // 403, not 401: a new token for the same grant would be refused just the same.
      stats.insufficientScope();
      sendJson(
        res,
        403,
        {
          error: 'insufficient_scope',
          error_description: `this resource needs the ${route.scope} scope`,
        },
        { 'WWW-Authenticate': insufficientScopeChallenge(route.scope, scheme) },
      );
      return;
    }
    const needed = route.authentication && {
      ...route.authentication,
      maxAgeSeconds: options.paymentsMaxAgeSeconds ?? route.authentication.maxAgeSeconds,
    };
    if (needed && !authenticatedEnough(claims, needed, Math.floor(Date.now() / 1000))) {
      // RFC 9470: 401 with the level and age to sign in with; a refresh cannot change either.
      stats.unauthorized('insufficient_user_authentication');
      sendJson(
        res,
        401,
        {
          error: 'insufficient_user_authentication',
          error_description: 'a stronger or more recent authentication is required',
        },
        {
          'WWW-Authenticate': insufficientUserAuthenticationChallenge(
            needed.acr,
            needed.maxAgeSeconds,
            scheme,
          ),
        },
      );
      return;
    }
    sendJson(res, 200, route.answer(claims));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = pathOf(req);
    if (path.startsWith(DEV_PATH_PREFIX)) {
      serveDevStats(stats, req, res);
      return;
    }
    if (req.method === 'OPTIONS') {
      if (path.startsWith(API_PREFIX)) {
        stats.preflight();
      }
      answerPreflight(req, res, appOrigin);
      return;
    }
    applyCors(req, res, appOrigin);
    if (!path.startsWith(API_PREFIX)) {
      sendJson(res, 404, { error: 'not_found' });
      return;
    }
    const finished = stats.requestStarted(path);
    res.once('close', finished);
    try {
      await handleApi(req, res, path);
    } catch (error) {
      if (!(error instanceof JwksUnavailableError)) {
        throw error;
      }
      // The provider is down or restarting: a server-side problem, not a reason to sign in again.
      console.error(`resource API: ${error.message} (${describeCause(error.cause)})`);
      sendJson(
        res,
        503,
        { error: 'temporarily_unavailable', error_description: error.message },
        {
          'Retry-After': '5',
        },
      );
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // Anything reaching here is a bug; answer 500 rather than leaving the request hanging.
      console.error('resource API: unexpected error', error);
      if (res.headersSent) {
        res.destroy();
      } else {
        sendJson(res, 500, { error: 'server_error' });
      }
    });
  });
  const port = await listen(server, options.port, options.host);
  publicOrigin ??= `http://localhost:${port}`;
  return { url: `http://localhost:${port}`, port, stats, close: () => closeServer(server) };
}

/** One line for a JWKS failure, e.g. "fetch failed: ECONNREFUSED", instead of two stack traces. */
function describeCause(cause: unknown): string {
  if (!(cause instanceof Error)) {
    return String(cause);
  }
  const inner = cause.cause as { code?: string; message?: string } | undefined;
  return inner ? `${cause.message}: ${inner.code ?? inner.message}` : cause.message;
}
