/**
 * Is the post-logout redirect URI accepted? A request to the end-session endpoint with the client
 * id and the URI, without an ID token: a redirect there, or a confirmation page, means the
 * provider took it; an error page about it means sign-out will not come back to the app. It never
 * fails: sign-in works either way, and a provider may only judge the URI with an ID token.
 */
import type { Discovery } from './discovery-checks.ts';
import type { Finding } from './finding.ts';
import { describe } from './request-checks.ts';

export async function postLogoutCheck(
  discovery: Discovery,
  clientId: string,
  postLogoutUri: string,
): Promise<Finding | undefined> {
  const endpoint = discovery['end_session_endpoint'];
  if (typeof endpoint !== 'string') return undefined;
  const url = new URL(endpoint);
  url.searchParams.set('client_id', clientId);
  url.searchParams.set('post_logout_redirect_uri', postLogoutUri);
  let response: Response;
  try {
    response = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    return {
      id: 'post-logout-uri',
      status: 'warn',
      detail: `${endpoint} could not be reached (${describe(error)}).`,
    };
  }
  const location = response.headers.get('location');
  if (location && new URL(location, url).href.startsWith(postLogoutUri)) {
    return {
      id: 'post-logout-uri',
      status: 'ok',
      detail: `the provider redirected to ${postLogoutUri}`,
    };
  }
  const text = location ? '' : await response.text();
  if (response.ok) {
    return {
      id: 'post-logout-uri',
      status: 'ok',
      detail: `the end-session endpoint accepted ${postLogoutUri} for ${clientId} (HTTP ${response.status}, its logout page); only a real sign-out proves the way back`,
    };
  }
  const aboutTheUri = /post_logout|redirect/i.test(text);
  return {
    id: 'post-logout-uri',
    status: 'warn',
    detail: aboutTheUri
      ? `the end-session endpoint refused ${postLogoutUri} (HTTP ${response.status}): sign-out will end at the provider instead of coming back to the app.`
      : `the end-session endpoint answered HTTP ${response.status} without an ID token, so whether ${postLogoutUri} is accepted could not be told.`,
    fix: `Register ${postLogoutUri} as a post-logout redirect URI of ${clientId}.`,
  };
}
