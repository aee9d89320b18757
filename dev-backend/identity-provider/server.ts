/**
 * Starts the dev identity provider on plain `node:http`: `/interaction/*` goes to the sign-in
 * pages, `/__dev/*` to the stats endpoint, everything else to oidc-provider. Every cookie it sets
 * carries `Max-Age` (see cookie-max-age.ts).
 */
import { randomBytes } from 'node:crypto';
import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type ServerResponse,
} from 'node:http';
import type { JWK } from 'jose';
import Provider from 'oidc-provider';

import { DEV_PATH_PREFIX, serveDevStats, serveOutageSwitch } from '../shared/dev-endpoint.ts';
import { closeServer, listen, pathOf, sendJson } from '../shared/http.ts';
import { buildConfiguration, INTERACTION_PATH_PREFIX } from './configuration.ts';
import { sendCookiesWithMaxAge } from './cookie-max-age.ts';
import { trackProviderStats, type ProviderStats } from './dev-stats.ts';
import { createInteractionRoutes } from './interactions.ts';
import { restrictPreflightsToOrigin } from './preflight-policy.ts';
import { applyRequestQuirks, type ProviderQuirks } from './provider-quirks.ts';
import { generateSigningKey } from './signing-key.ts';

export interface IdentityProviderOptions {
  /** TCP port; 0 picks a free one (the issuer then uses the real port). */
  readonly port: number;
  /** Interface to listen on; default: all (so `localhost` works as 127.0.0.1 and as ::1). */
  readonly host?: string;
  /** Origin of the app, e.g. `http://localhost:4200`: redirect URIs and CORS derive from it. */
  readonly appOrigin: string;
  /** Audience of the JWT access tokens: the resource API's origin. */
  readonly apiAudience: string;
  /** Seconds. */
  readonly accessTokenTtl: number;
  /** Seconds, counted from sign-in. */
  readonly refreshTokenTtl: number;
  /** Private RS256 JWK to sign with (tests forge tokens with it); default: a new key per process. */
  readonly signingKey?: JWK;
  /** Dev-only switches that imitate other providers (provider-quirks.ts); default: none. */
  readonly quirks?: ProviderQuirks;
}

export interface RunningIdentityProvider {
  /** e.g. `http://localhost:9000`. */
  readonly issuer: string;
  readonly port: number;
  /** What the provider saw; also served at GET /__dev/stats. */
  readonly stats: ProviderStats;
  close(): Promise<void>;
}

/** Starts the identity provider and resolves once it is listening and configured. */
export async function startIdentityProvider(
  options: IdentityProviderOptions,
): Promise<RunningIdentityProvider> {
  const signingKey = options.signingKey ?? (await generateSigningKey());

  // The issuer contains the port, which is only known after listening when port is 0, so the
  // server listens first and answers 503 for the moment until the provider exists.
  let route: RequestListener = (_req, res) =>
    sendJson(res, 503, { error: 'temporarily_unavailable' });
  const server = createServer((req, res) => {
    sendCookiesWithMaxAge(res);
    route(req, res);
  });
  const port = await listen(server, options.port, options.host);
  const issuer = `http://localhost:${port}`;

  try {
    const provider = new Provider(
      issuer,
      buildConfiguration({
        appOrigin: options.appOrigin,
        apiAudience: options.apiAudience,
        accessTokenTtl: options.accessTokenTtl,
        refreshTokenTtl: options.refreshTokenTtl,
        signingKey,
        // Random per process: cookies from an earlier run must not be trusted.
        cookieKeys: [randomBytes(32).toString('base64url')],
        ...(options.quirks ? { quirks: options.quirks } : {}),
      }),
    );
    const stats = trackProviderStats(provider);
    restrictPreflightsToOrigin(provider, options.appOrigin);

    const interactions = createInteractionRoutes(provider, { appOrigin: options.appOrigin });
    const oidc = provider.callback();
    const quirks = options.quirks ?? {};
    const authorizationPath = new URL(provider.urlFor('authorization')).pathname;

    let down = false;
    route = (req: IncomingMessage, res: ServerResponse) => {
      const path = pathOf(req);
      if (path === '/__dev/outage') {
        serveOutageSwitch(req, res, (value) => (down = value));
      } else if (down && !path.startsWith(DEV_PATH_PREFIX)) {
        // The dev outage switch: the provider is "down" but keeps its grants and keys.
        sendJson(res, 503, {
          error: 'temporarily_unavailable',
          error_description: 'the dev outage switch is on',
        });
      } else if (path.startsWith(INTERACTION_PATH_PREFIX)) {
        interactions(req, res).catch((error: unknown) => internalError(res, error));
      } else if (path.startsWith(DEV_PATH_PREFIX)) {
        serveDevStats(stats, req, res);
      } else if (!applyRequestQuirks(quirks, authorizationPath, req, res)) {
        void oidc(req, res);
      }
    };

    return { issuer, port, stats, close: () => closeServer(server) };
  } catch (error) {
    // A bad configuration must not leave a port bound behind.
    await closeServer(server);
    throw error;
  }
}

function internalError(res: ServerResponse, error: unknown): void {
  console.error('identity provider: unexpected error', error);
  if (res.headersSent) {
    res.destroy();
  } else {
    sendJson(res, 500, { error: 'server_error' });
  }
}
