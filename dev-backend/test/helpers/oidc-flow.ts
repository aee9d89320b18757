/**
 * The app's side of the OAuth dance, done by hand: authorization request with PKCE, the login
 * form, the code exchange, refresh and revocation.
 */
import { createHash, randomBytes } from 'node:crypto';

import { APP_ORIGIN } from './stack.ts';
import { redirectTarget, UserAgent } from './user-agent.ts';

export const CLIENT_ID = 'demo-spa';
export const REDIRECT_URI = `${APP_ORIGIN}/`;
/** What the app requests. */
export const APP_SCOPE = 'openid profile offline_access api';

export interface TokenResponse {
  readonly access_token: string;
  readonly refresh_token?: string;
  readonly id_token?: string;
  readonly token_type: string;
  readonly expires_in: number;
  readonly scope?: string;
}

export interface Pkce {
  readonly verifier: string;
  readonly challenge: string;
}

export function createPkce(): Pkce {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export interface AuthorizationRequest {
  readonly scope?: string;
  /** null leaves the parameter out. */
  readonly codeChallenge?: string | null;
  /** null leaves the parameter out. */
  readonly codeChallengeMethod?: string | null;
  /** `acr_values` and `max_age`, when set. */
  readonly acrValues?: string;
  readonly maxAge?: number;
}

/** The authorization endpoint URL the app would navigate to. */
export function authorizationUrl(issuer: string, request: AuthorizationRequest = {}): URL {
  const url = new URL(`${issuer}/auth`);
  url.searchParams.set('client_id', CLIENT_ID);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('redirect_uri', REDIRECT_URI);
  url.searchParams.set('scope', request.scope ?? APP_SCOPE);
  url.searchParams.set('state', randomBytes(8).toString('hex'));
  url.searchParams.set('nonce', randomBytes(8).toString('hex'));
  if (request.codeChallenge !== null) {
    url.searchParams.set('code_challenge', request.codeChallenge ?? createPkce().challenge);
  }
  if (request.codeChallengeMethod !== null) {
    url.searchParams.set('code_challenge_method', request.codeChallengeMethod ?? 'S256');
  }
  if (request.acrValues !== undefined) url.searchParams.set('acr_values', request.acrValues);
  if (request.maxAge !== undefined) url.searchParams.set('max_age', String(request.maxAge));
  return url;
}

/** Follows redirects until one leaves for the app (returned) or a page is shown (returned too). */
export async function followRedirects(
  agent: UserAgent,
  start: Response,
  startUrl: URL,
): Promise<{ appUrl?: URL; page?: Response }> {
  let response = start;
  let url = startUrl;
  for (let hop = 0; hop < 10; hop += 1) {
    if (response.status < 300 || response.status >= 400) {
      return { page: response };
    }
    url = redirectTarget(response, url);
    if (url.origin === APP_ORIGIN) {
      return { appUrl: url };
    }
    response = await agent.fetch(url);
  }
  throw new Error('too many redirects');
}

export interface LoginPage {
  readonly response: Response;
  readonly html: string;
  /** Absolute URL the form posts to. */
  readonly action: URL;
}

/** Starts an authorization request and returns the login page it leads to. */
export async function openLoginPage(
  agent: UserAgent,
  issuer: string,
  request: AuthorizationRequest = {},
): Promise<LoginPage> {
  const url = authorizationUrl(issuer, request);
  const { page } = await followRedirects(agent, await agent.fetch(url), url);
  if (!page) {
    throw new Error('expected the login page, got a redirect to the app');
  }
  const html = await page.text();
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
  if (page.status !== 200 || !action) {
    throw new Error(`expected the login page, got ${page.status}: ${html.slice(0, 200)}`);
  }
  return { response: page, html, action: new URL(action.replace(/&amp;/g, '&'), issuer) };
}

/** Signs in through the login form and exchanges the code; returns the token response. */
export async function signIn(
  issuer: string,
  { username = 'alice', password = 'wonderland', scope = APP_SCOPE, agent = new UserAgent() } = {},
): Promise<{ tokens: TokenResponse; agent: UserAgent }> {
  const pkce = createPkce();
  const login = await openLoginPage(agent, issuer, { scope, codeChallenge: pkce.challenge });
  const submitted = await agent.postForm(login.action, { username, password });
  const { appUrl } = await followRedirects(agent, submitted, login.action);
  const code = appUrl?.searchParams.get('code');
  if (!code) {
    throw new Error(`sign-in did not return a code (${appUrl ?? 'stayed on a page'})`);
  }
  const response = await tokenRequest(issuer, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: REDIRECT_URI,
    code_verifier: pkce.verifier,
  });
  if (response.status !== 200) {
    throw new Error(`code exchange failed: ${response.status} ${await response.text()}`);
  }
  return { tokens: (await response.json()) as TokenResponse, agent };
}

/** POSTs to the token endpoint as the public client. */
export function tokenRequest(
  issuer: string,
  fields: Readonly<Record<string, string>>,
  headers: Readonly<Record<string, string>> = {},
): Promise<Response> {
  return fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams({ client_id: CLIENT_ID, ...fields }).toString(),
  });
}

/** Uses a refresh token; returns the raw response (tests look at errors too). */
export function refresh(issuer: string, refreshToken: string): Promise<Response> {
  return tokenRequest(issuer, { grant_type: 'refresh_token', refresh_token: refreshToken });
}

/** Revokes a token at the revocation endpoint. */
export function revoke(issuer: string, token: string, hint = 'refresh_token'): Promise<Response> {
  return fetch(`${issuer}/token/revocation`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: CLIENT_ID, token, token_type_hint: hint }).toString(),
  });
}
