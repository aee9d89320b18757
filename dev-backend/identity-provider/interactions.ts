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
import {
  ACR_ONE_TIME_CODE,
  ACR_PASSWORD,
  ACR_UPGRADE_REASON,
  ONE_TIME_CODE,
  asksForOneTimeCode,
} from './step-up.ts';
import { errorPage, loginPage, oneTimeCodePage } from './views.ts';

/** Shown (in a role="alert" box) after wrong credentials; wording fixed for acceptance tests. */
export const INVALID_CREDENTIALS_MESSAGE = 'Invalid username or password.';
/** Shown after a wrong one-time code. */
export const INVALID_CODE_MESSAGE = 'That code is not right.';

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
    const wantsCode = asksForOneTimeCode(interaction.params['acr_values']);
    // The password is asked unless the session's sign-in stands and only the code is missing
    // (`max_age` passed, no session, prompt=login, another account: the password again).
    const signedInAs = interaction.session?.accountId;
    const passwordStands =
      signedInAs !== undefined &&
      interaction.prompt.reasons.every((reason) => reason === ACR_UPGRADE_REASON);
    const verified = (interaction.result as { passwordVerified?: string } | undefined)
      ?.passwordVerified;
    const account = passwordStands ? signedInAs : verified;

    if (req.method === 'GET') {
      const page = account && wantsCode ? oneTimeCodePage({ action }) : loginPage({ action });
      sendHtml(res, 200, page, securityHeaders);
      return;
    }

    const form = await readFormBody(req);
    if (form.get('step') === 'one-time-code') {
      if (!account || !wantsCode) {
        fail(res, 400, 'Sign-in cannot continue', 'Start signing in again from the app.');
        return;
      }
      if ((form.get('code') ?? '').trim() !== ONE_TIME_CODE) {
        sendHtml(
          res,
          200,
          oneTimeCodePage({ action, error: INVALID_CODE_MESSAGE }),
          securityHeaders,
        );
        return;
      }
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId: account, acr: ACR_ONE_TIME_CODE, amr: ['pwd', 'otp'] } },
        { mergeWithLastSubmission: false },
      );
      return;
    }

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
    if (wantsCode) {
      // The password is right; the code comes next, on this interaction (never from the form).
      await provider.interactionResult(
        req,
        res,
        { passwordVerified: accountId },
        { mergeWithLastSubmission: false },
      );
      sendHtml(res, 200, oneTimeCodePage({ action }), securityHeaders);
      return;
    }
    // Answers 303 to the authorization endpoint's resume URL.
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId, acr: ACR_PASSWORD, amr: ['pwd'] } },
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
