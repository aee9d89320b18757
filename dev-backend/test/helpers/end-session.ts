/**
 * The end-session page as a browser sees it: what it shows and how to press its button.
 */
import type { UserAgent } from './user-agent.ts';

export interface EndSessionParams {
  readonly id_token_hint?: string;
  readonly client_id?: string;
  readonly post_logout_redirect_uri?: string;
}

/** The end-session URL with the given parameters (the app sends all three). */
export function endSessionUrl(issuer: string, params: EndSessionParams): URL {
  const url = new URL(`${issuer}/session/end`);
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined) {
      url.searchParams.set(name, value);
    }
  }
  return url;
}

export interface EndSessionPage {
  readonly response: Response;
  readonly html: string;
  /** True when the page submits the logout by itself. */
  readonly submitsItself: boolean;
  /** Absolute URL of the confirmation form. */
  readonly action: URL;
  readonly xsrf: string;
}

/** Opens the end-session page with the agent's cookies. */
export async function openEndSessionPage(
  agent: UserAgent,
  issuer: string,
  params: EndSessionParams,
): Promise<EndSessionPage> {
  const response = await agent.fetch(endSessionUrl(issuer, params));
  const html = await response.text();
  const action = /<form id="op\.logoutForm" method="post" action="([^"]+)">/.exec(html)?.[1];
  const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)?.[1];
  if (response.status !== 200 || !action || !xsrf) {
    throw new Error(`expected the end-session page, got ${response.status}: ${html.slice(0, 300)}`);
  }
  return {
    response,
    html,
    submitsItself: /<script[^>]*>[\s\S]*form\.submit\(\)/.test(html),
    action: new URL(action, issuer),
    xsrf,
  };
}

/** Presses "Yes, sign me out" (what the self-submitting script does too). */
export function confirmLogout(agent: UserAgent, page: EndSessionPage): Promise<Response> {
  return agent.postForm(page.action, { xsrf: page.xsrf, logout: 'yes' });
}
