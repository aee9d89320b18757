/**
 * A second `oidc-provider` instance configured unlike the dev provider, standing in for "your
 * own provider" in tests: its issuer has a path (`/realms/demo`, like Keycloak), its keys are
 * published at another path (`jwks_uri` only says where), and its access tokens carry `typ: JWT`.
 * Options inject the misconfigurations the provider doctor must name.
 *
 * It reuses the dev provider's accounts, sign-in pages and client so that the same e2e helpers
 * (Username / Password / Sign in, alice / wonderland) drive it.
 */
import { randomBytes } from 'node:crypto';
import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type ServerResponse,
} from 'node:http';
import Provider, {
  type Configuration,
  type ResourceServer,
  type SigningAlgorithmWithNone,
} from 'oidc-provider';

import {
  buildConfiguration,
  DEMO_CLIENT_ID,
  INTERACTION_PATH_PREFIX,
} from '../identity-provider/configuration.ts';
import { trackProviderStats, type ProviderStats } from '../identity-provider/dev-stats.ts';
import { createInteractionRoutes } from '../identity-provider/interactions.ts';
import { restrictPreflightsToOrigin } from '../identity-provider/preflight-policy.ts';
import { generateSigningKey } from '../identity-provider/signing-key.ts';
import { DEV_PATH_PREFIX, serveDevStats } from '../shared/dev-endpoint.ts';
import { closeServer, listen, pathOf, sendJson } from '../shared/http.ts';

/** Where the issuer lives on the server: a path, as Keycloak realms and Okta servers have. */
export const SECOND_ISSUER_PATH = '/realms/demo';

/** Keycloak's key path, relative to the issuer; nothing is served at `<issuer>/jwks`. */
export const SECOND_JWKS_PATH = '/protocol/openid-connect/certs';

export interface SecondProviderOptions {
  /** TCP port; 0 picks a free one. */
  readonly port: number;
  readonly host?: string;
  /** Origin of the app: the registered redirect URI is `<appOrigin>/`. */
  readonly appOrigin: string;
  /** `aud` of the access tokens. */
  readonly apiAudience: string;
  /** Seconds; default 60. */
  readonly accessTokenTtl?: number;
  /** Seconds; default 3600. */
  readonly refreshTokenTtl?: number;
  /** The origin allowed to call the token and revocation endpoints; default `appOrigin`. */
  readonly corsOrigin?: string;
  /** Misconfiguration: sign ID tokens only with these algorithms (e.g. `['HS256']`). */
  readonly idTokenAlgorithms?: readonly SigningAlgorithmWithNone[];
  /** Misconfiguration: opaque (reference) access tokens instead of JWTs. */
  readonly opaqueAccessTokens?: boolean;
  /** Misconfiguration: discovery without CORS (oidc-provider allows every origin there). */
  readonly discoveryWithoutCors?: boolean;
  /** Rewrites the discovery document (what oidc-provider cannot be configured to omit). */
  readonly rewriteDiscovery?: (document: Record<string, unknown>) => Record<string, unknown>;
}

export interface RunningSecondProvider {
  /** e.g. `http://localhost:9555/realms/demo`. */
  readonly issuer: string;
  /** e.g. `http://localhost:9555`: where `/__dev/stats` is served. */
  readonly origin: string;
  readonly port: number;
  readonly stats: ProviderStats;
  close(): Promise<void>;
}

/** Starts the provider and resolves once it is listening. */
export async function startSecondProvider(
  options: SecondProviderOptions,
): Promise<RunningSecondProvider> {
  let route: RequestListener = (_req, res) =>
    sendJson(res, 503, { error: 'temporarily_unavailable' });
  const server = createServer((req, res) => route(req, res));
  const port = await listen(server, options.port, options.host);
  const origin = `http://localhost:${port}`;
  const issuer = `${origin}${SECOND_ISSUER_PATH}`;

  try {
    const provider = new Provider(issuer, await configuration(options));
    const stats = trackProviderStats(provider);
    restrictPreflightsToOrigin(provider, options.corsOrigin ?? options.appOrigin);
    if (options.rewriteDiscovery) {
      const rewrite = options.rewriteDiscovery;
      provider.use(async (ctx, next) => {
        await next();
        if (ctx.path === '/.well-known/openid-configuration' && ctx.status === 200) {
          ctx.body = rewrite({ ...(ctx.body as Record<string, unknown>) });
        }
      });
    }
    if (options.discoveryWithoutCors) {
      provider.use(async (ctx, next) => {
        await next();
        if (ctx.path === '/.well-known/openid-configuration')
          ctx.remove('Access-Control-Allow-Origin');
      });
    }
    const interactions = createInteractionRoutes(provider, { appOrigin: options.appOrigin });
    const oidc = provider.callback();

    route = (req: IncomingMessage, res: ServerResponse) => {
      const path = pathOf(req);
      if (path.startsWith(INTERACTION_PATH_PREFIX)) {
        interactions(req, res).catch((error: unknown) => internalError(res, error));
      } else if (path.startsWith(DEV_PATH_PREFIX)) {
        serveDevStats(stats, req, res);
      } else if (path === SECOND_ISSUER_PATH || path.startsWith(`${SECOND_ISSUER_PATH}/`)) {
        // Mounted like Express does it: oidc-provider derives its mount path from originalUrl.
        const mounted = req as IncomingMessage & { originalUrl?: string };
        mounted.originalUrl = req.url;
        req.url = req.url!.slice(SECOND_ISSUER_PATH.length) || '/';
        void oidc(req, res);
      } else {
        sendJson(res, 404, { error: 'not_found' });
      }
    };
    return { issuer, origin, port, stats, close: () => closeServer(server) };
  } catch (error) {
    await closeServer(server);
    throw error;
  }
}

/** The dev provider's configuration, changed where a typical external provider differs. */
async function configuration(options: SecondProviderOptions): Promise<Configuration> {
  const base = buildConfiguration({
    appOrigin: options.appOrigin,
    apiAudience: options.apiAudience,
    accessTokenTtl: options.accessTokenTtl ?? 60,
    refreshTokenTtl: options.refreshTokenTtl ?? 3600,
    signingKey: await generateSigningKey(),
    cookieKeys: [randomBytes(32).toString('base64url')],
  });
  const corsOrigin = options.corsOrigin ?? options.appOrigin;
  const resourceIndicators = base.features!.resourceIndicators!;
  const resourceServerInfo = resourceIndicators.getResourceServerInfo!;

  const config: Configuration = {
    ...base,
    routes: { jwks: SECOND_JWKS_PATH },
    formats: {
      customizers: {
        // Keycloak, Entra and others sign access tokens with typ JWT, not RFC 9068's at+jwt.
        jwt: (_ctx, _token, jwt) => {
          jwt.header = { typ: 'JWT' };
        },
      },
    },
    clientBasedCORS: (_ctx, origin, client) =>
      origin === corsOrigin && client.clientId === DEMO_CLIENT_ID,
    features: {
      ...base.features,
      resourceIndicators: {
        ...resourceIndicators,
        getResourceServerInfo: async (ctx, indicator, client): Promise<ResourceServer> => {
          const info = await resourceServerInfo(ctx, indicator, client);
          return options.opaqueAccessTokens
            ? { scope: info.scope, audience: info.audience, accessTokenFormat: 'opaque' }
            : info;
        },
      },
    },
  };
  if (options.idTokenAlgorithms) {
    config.enabledJWA = { idTokenSigningAlgValues: [...options.idTokenAlgorithms] };
    config.clients = config.clients!.map((client) => ({
      ...client,
      id_token_signed_response_alg: options.idTokenAlgorithms![0],
    }));
  }
  return config;
}

function internalError(res: ServerResponse, error: unknown): void {
  console.error('second provider: unexpected error', error);
  if (res.headersSent) {
    res.destroy();
  } else {
    sendJson(res, 500, { error: 'server_error' });
  }
}
