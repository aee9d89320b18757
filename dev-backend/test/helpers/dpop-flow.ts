/**
 * The app's sign-in for any registered client, split at the code exchange so that tests can put
 * a DPoP proof (or none, or a wrong one) on the token requests and look at every answer.
 */
import { randomBytes } from 'node:crypto';

import { createPkce, followRedirects, REDIRECT_URI, tokenRequest } from './oidc-flow.ts';
import { UserAgent } from './user-agent.ts';

/** What the app scope asks for (see oidc-flow.ts). */
const SCOPE = 'openid profile offline_access api';

export interface IssuedCode {
  readonly clientId: string;
  readonly code: string;
  readonly verifier: string;
}

/** Signs in as alice through the login form and returns the authorization code. */
export async function authorize(issuer: string, clientId: string): Promise<IssuedCode> {
  const agent = new UserAgent();
  const pkce = createPkce();
  const url = new URL(`${issuer}/auth`);
  for (const [name, value] of Object.entries({
    client_id: clientId,
    response_type: 'code',
    redirect_uri: REDIRECT_URI,
    scope: SCOPE,
    state: randomBytes(8).toString('hex'),
    nonce: randomBytes(8).toString('hex'),
    code_challenge: pkce.challenge,
    code_challenge_method: 'S256',
  })) {
    url.searchParams.set(name, value);
  }
  const { page } = await followRedirects(agent, await agent.fetch(url), url);
  const html = (await page?.text()) ?? '';
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
  if (!action) {
    throw new Error(`expected the login page for ${clientId}, got: ${html.slice(0, 200)}`);
  }
  const formUrl = new URL(action.replace(/&amp;/g, '&'), issuer);
  const submitted = await agent.postForm(formUrl, { username: 'alice', password: 'wonderland' });
  const { appUrl } = await followRedirects(agent, submitted, formUrl);
  const code = appUrl?.searchParams.get('code');
  if (!code) {
    throw new Error(`sign-in as ${clientId} returned no code (${appUrl ?? 'stayed on a page'})`);
  }
  return { clientId, code, verifier: pkce.verifier };
}

/** The code exchange, with `DPoP: <proof>` when a proof is given. */
export function exchangeCode(issuer: string, issued: IssuedCode, dpop?: string): Promise<Response> {
  return tokenRequest(
    issuer,
    {
      client_id: issued.clientId,
      grant_type: 'authorization_code',
      code: issued.code,
      redirect_uri: REDIRECT_URI,
      code_verifier: issued.verifier,
    },
    dpop === undefined ? {} : { dpop },
  );
}

/** A refresh, with `DPoP: <proof>` when a proof is given. */
export function refreshToken(
  issuer: string,
  clientId: string,
  token: string,
  dpop?: string,
): Promise<Response> {
  return tokenRequest(
    issuer,
    { client_id: clientId, grant_type: 'refresh_token', refresh_token: token },
    dpop === undefined ? {} : { dpop },
  );
}

/** Sets environment variables for the duration of `start` (the provider reads them when built). */
export async function withEnvironment<T>(
  variables: Readonly<Record<string, string>>,
  start: () => Promise<T>,
): Promise<T> {
  const saved = Object.fromEntries(Object.keys(variables).map((name) => [name, process.env[name]]));
  Object.assign(process.env, variables);
  try {
    return await start();
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) {
        delete process.env[name];
      } else {
        process.env[name] = value;
      }
    }
  }
}
