/**
 * The provider's own sign-in page, served at the interaction URL oidc-provider redirects to
 * (`/interaction/<uid>`): GET shows the form, POST checks the credentials and hands the result
 * back to oidc-provider, which continues the authorization request.
 *
 * Consent never reaches this page: `loadExistingGrant` in configuration.ts grants the
 * first-party client what it asks for, so "login" is the only prompt.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import { errors } from 'oidc-provider';

import { BodyError, pathOf, readFormBody, sendHtml } from '../shared/http.ts';
import { verifyCredentials } from './accounts.ts';
import { INTERACTION_PATH_PREFIX } from './configuration.ts';
import { errorPage, loginPage } from './views.ts';

/** Shown (in a role="alert" box) after wrong credentials; wording fixed for acceptance tests. */
export const INVALID_CREDENTIALS_MESSAGE = 'Invalid username or password.';

/** Longest username kept for re-display, so a huge value cannot bloat the page. */
const MAX_USERNAME_LENGTH = 200;

export interface InteractionRoutesOptions {
  readonly appOrigin: string;
}

/** Returns the request handler for every path under `/interaction/`. */
export function createInteractionRoutes(
  provider: Provider,
  { appOrigin }: InteractionRoutesOptions,
) {
  // The page posts to itself and then redirects (via the provider) to the app, and CSP's
  // form-action also applies to those redirects, hence the app's origin in it.
  const securityHeaders = {
    'Content-Security-Policy': `default-src 'none'; style-src 'unsafe-inline'; form-action 'self' ${appOrigin}; frame-ancestors 'none'; base-uri 'none'`,
    'Referrer-Policy': 'no-referrer',
  };
  const fail = (res: ServerResponse, status: number, title: string, detail: string) =>
    sendHtml(res, status, errorPage(title, detail, appOrigin), securityHeaders);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const uid = pathOf(req).slice(INTERACTION_PATH_PREFIX.length);
    if (!/^[\w-]+$/.test(uid)) {
      fail(res, 404, 'Page not found', 'There is no sign-in page at this address.');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'POST') {
      res.writeHead(405, { Allow: 'GET, POST' }).end();
      return;
    }

    // Reads the interaction from its cookie, which oidc-provider scopes to this very path.
    const interaction = await provider.interactionDetails(req, res);
    if (interaction.uid !== uid || interaction.prompt.name !== 'login') {
      fail(res, 400, 'Sign-in cannot continue', 'Start signing in again from the app.');
      return;
    }
    const action = `${INTERACTION_PATH_PREFIX}${uid}`;

    if (req.method === 'GET') {
      sendHtml(res, 200, loginPage({ action }), securityHeaders);
      return;
    }

    const form = await readFormBody(req);
    const username = (form.get('username') ?? '').trim().slice(0, MAX_USERNAME_LENGTH);
    const accountId = verifyCredentials(username, form.get('password') ?? '');
    if (!accountId) {
      sendHtml(
        res,
        200,
        loginPage({ action, username, error: INVALID_CREDENTIALS_MESSAGE }),
        securityHeaders,
      );
      return;
    }
    // Answers 303 to the authorization endpoint's resume URL.
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId } },
      { mergeWithLastSubmission: false },
    );
  }

  return async function interactionRoutes(
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    try {
      await handle(req, res);
    } catch (error) {
      // Expected failures get a page; anything else is a bug and goes to the server's 500 handler.
      if (error instanceof errors.SessionNotFound) {
        fail(
          res,
          400,
          'Sign-in expired',
          'This sign-in page is no longer valid. Start signing in again from the app.',
        );
      } else if (error instanceof BodyError) {
        fail(res, error.status, 'Request not accepted', error.message);
      } else {
        throw error;
      }
    }
  };
}
