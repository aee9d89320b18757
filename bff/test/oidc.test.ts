/**
 * How the refresh grant's failures are sorted, with the real openid-client against a scripted
 * token endpoint: refused (the session ends), not processed (the token is still good: 503), or
 * no answer (it may have been rotated: never presented again).
 */
import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';

import { freePort } from '../../dev-backend/shared/free-port.ts';
import {
  ProviderRejectedError,
  ProviderUnavailableError,
  RefreshOutcomeUnknownError,
} from '../errors.ts';
import { createOidcClient, type OidcClient } from '../oidc.ts';

let server: Server;
let issuer: string;
let answer: (res: ServerResponse) => void = () => undefined;
let client: OidcClient;

/** A client of the fake provider at `issuerUrl` (discovery is served for it below). */
function clientOf(issuerUrl: string): OidcClient {
  return createOidcClient({
    issuer: new URL(issuerUrl),
    clientId: 'bff',
    clientSecret: 'secret',
    scope: 'openid',
    redirectUri: 'http://localhost:4200/bff/callback',
    postLogoutRedirectUri: 'http://localhost:4200/',
    timeoutSeconds: 1,
  });
}

/** An issuer whose token endpoint is on a port nobody listens on. */
let refusingIssuer: string;

before(async () => {
  const port = await freePort();
  const deadPort = await freePort();
  issuer = `http://localhost:${port}`;
  refusingIssuer = `${issuer}/refusing`;
  server = createServer((req, res) => {
    if (req.url === '/.well-known/openid-configuration') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ issuer, token_endpoint: `${issuer}/token`, jwks_uri: `${issuer}/jwks` }),
      );
      return;
    }
    if (req.url === '/refusing/.well-known/openid-configuration') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          issuer: refusingIssuer,
          token_endpoint: `http://localhost:${deadPort}/token`,
          jwks_uri: `${issuer}/jwks`,
        }),
      );
      return;
    }
    req.resume();
    req.on('end', () => answer(res));
  });
  await new Promise<void>((resolve) => server.listen(port, resolve));
  client = clientOf(issuer);
});
after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function json(status: number, body: unknown) {
  return (res: ServerResponse) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
}

const cases: Array<[string, (res: ServerResponse) => void, new (...args: never[]) => Error]> = [
  ['400 invalid_grant', json(400, { error: 'invalid_grant' }), ProviderRejectedError],
  ['401 invalid_client', json(401, { error: 'invalid_client' }), ProviderRejectedError],
  ['403 (Auth0 style)', json(403, { error: 'invalid_grant' }), ProviderRejectedError],
  [
    '200 without an access token',
    json(200, { token_type: 'Bearer', expires_in: 60 }),
    ProviderRejectedError,
  ],
  [
    '503 temporarily_unavailable',
    json(503, { error: 'temporarily_unavailable' }),
    ProviderUnavailableError,
  ],
  ['429', json(429, { error: 'slow_down' }), ProviderUnavailableError],
  [
    '502 from a proxy, as HTML',
    (res) => res.writeHead(502, { 'content-type': 'text/html' }).end('<h1>Bad gateway</h1>'),
    ProviderUnavailableError,
  ],
  ['no answer within the timeout', () => undefined, RefreshOutcomeUnknownError],
  [
    'the connection dropped after the request',
    (res) => res.socket?.destroy(),
    RefreshOutcomeUnknownError,
  ],
];

describe('refresh failures', () => {
  for (const [what, respond, kind] of cases) {
    it(`sorts ${what} as ${kind.name}`, async () => {
      answer = respond;
      await assert.rejects(client.refresh('rt', 'alice'), kind);
    });
  }

  it('passes a good answer through with its expiry', async () => {
    answer = json(200, {
      access_token: 'at',
      token_type: 'Bearer',
      expires_in: 60,
      refresh_token: 'rt2',
    });
    const { expiresIn, ...tokens } = await client.refresh('rt', 'alice');
    assert.deepEqual(tokens, { accessToken: 'at', refreshToken: 'rt2' });
    // openid-client counts expires_in down from the answer's arrival: a busy machine may have
    // crossed a second boundary before the assertion reads it.
    assert.ok(expiresIn === 60 || expiresIn === 59, `expiresIn ${expiresIn}`);
  });

  it('sorts a refused connection as ProviderUnavailableError', async () => {
    // A token endpoint on a port nobody listens on, not this server closed: the HTTP client may
    // hold a connection to it that it opened and never used, and sending on that one fails as
    // "other side closed", which is rightly an unknown outcome.
    await assert.rejects(clientOf(refusingIssuer).refresh('rt', 'alice'), ProviderUnavailableError);
  });
});
