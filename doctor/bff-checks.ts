/**
 * BFF mode (`AUTH_MODE=bff npm run doctor`): the confidential client the BFF signs in with.
 * - `client-auth`: a code exchange with a deliberately invalid code, authenticated exactly as the
 *   BFF does (bff/client-auth.ts, openid-client's own ClientAuth). A provider checks the client
 *   before the grant, so `invalid_grant` proves the client was accepted and `invalid_client` (or a
 *   401) proves it was refused; the other method is tried then, to name the setting that works.
 * - `backchannel-logout`: whether the provider can tell the BFF that its session ended.
 */
import { randomBytes } from 'node:crypto';

import type { ServerMetadata } from 'openid-client';

import {
  chooseClientAuth,
  clientAuthentication,
  type ClientAuthMethod,
} from '../bff/client-auth.ts';
import type { Discovery } from './discovery-checks.ts';
import type { BffClientConfig, DoctorConfig, Finding } from './finding.ts';
import { describe } from './request-checks.ts';

const PROBE_CODE = 'npm-run-doctor-probe-not-a-code';

type Verdict = 'accepted' | 'refused' | { readonly other: string };

export async function clientAuthCheck(
  discovery: Discovery,
  config: DoctorConfig,
  bff: BffClientConfig,
  appOrigin: string,
): Promise<Finding> {
  const endpoint = String(discovery['token_endpoint']);
  let chosen: { method: ClientAuthMethod; from: string };
  try {
    chosen = chooseClientAuth(bff.clientAuth, discovery['token_endpoint_auth_methods_supported']);
  } catch (error) {
    // No method the BFF and the provider share: proved, the BFF cannot authenticate.
    return {
      id: 'client-auth',
      status: 'fail',
      detail: error instanceof Error ? error.message : String(error),
      fix: 'Register the client with client_secret_basic or client_secret_post.',
    };
  }
  const how = `${chosen.method} (${
    chosen.from === 'OIDC_CLIENT_AUTH'
      ? 'OIDC_CLIENT_AUTH'
      : chosen.from === 'discovery'
        ? 'the only one discovery offers'
        : 'the default: discovery offers both, or lists none'
  })`;
  const probe = (method: ClientAuthMethod) =>
    exchangeProbe(
      discovery,
      endpoint,
      config.clientId,
      bff.clientSecret,
      method,
      appOrigin + bff.callbackPath,
    );
  let verdict: Verdict;
  try {
    verdict = await probe(chosen.method);
  } catch (error) {
    return {
      id: 'client-auth',
      status: 'fail',
      detail: `${endpoint} could not be reached (${describe(error)}).`,
      fix: 'Check the provider URL and that it is reachable from the BFF.',
    };
  }
  if (verdict === 'accepted') {
    return {
      id: 'client-auth',
      status: 'ok',
      detail: `${config.clientId} is accepted with ${how}: a deliberately invalid code got invalid_grant, which comes after client authentication`,
    };
  }
  if (verdict === 'refused') {
    const other: ClientAuthMethod =
      chosen.method === 'client_secret_basic' ? 'client_secret_post' : 'client_secret_basic';
    const otherWorks = await probe(other).then(
      (answer) => answer === 'accepted',
      // Unreachable for the second try: nothing more can be told from it.
      () => false,
    );
    return {
      id: 'client-auth',
      status: 'fail',
      detail:
        `the token endpoint refused ${config.clientId} with ${how} (invalid_client / 401): the client is refused, not the grant` +
        (otherWorks
          ? `; with ${other} it is accepted, so this provider does not take ${chosen.method} for this client` +
            (chosen.method === 'client_secret_basic' &&
            /[^A-Za-z0-9]/.test(config.clientId + bff.clientSecret)
              ? ' (the client id or secret has characters that RFC 6749 §2.3.1 form-encodes, and the provider does not decode them)'
              : '')
          : `; ${other} is refused too: the secret or the client id is wrong, or it is not a confidential client.`),
      fix: otherWorks
        ? `Set OIDC_CLIENT_AUTH=${other} for the BFF.`
        : 'Check OIDC_CLIENT_ID and OIDC_CLIENT_SECRET against the client at the provider (a confidential client with a secret).',
    };
  }
  return {
    id: 'client-auth',
    status: verdict.other === 'unauthorized_client' ? 'fail' : 'warn',
    detail:
      verdict.other === 'unauthorized_client'
        ? `${config.clientId} is not allowed the authorization code grant (unauthorized_client).`
        : `a code exchange with an invalid code got ${verdict.other} instead of invalid_grant or invalid_client, so whether the client is accepted could not be told.`,
    fix: `Check at the provider that ${config.clientId} is a confidential client with the authorization code grant, authenticated with ${chosen.method}.`,
  };
}

/** Back-channel logout: without it, the BFF learns of a provider logout at the next refresh. */
export function backchannelCheck(discovery: Discovery): Finding {
  if (discovery['backchannel_logout_supported'] === true) {
    return {
      id: 'backchannel-logout',
      status: 'ok',
      detail:
        discovery['backchannel_logout_session_supported'] === true
          ? 'supported, with sid: a logout at the provider ends exactly its BFF sessions'
          : 'supported (without sid: a logout at the provider ends every BFF session of the user)',
    };
  }
  return {
    id: 'backchannel-logout',
    status: 'warn',
    detail:
      'backchannel_logout_supported is not true: a logout at the provider (or in another app) does not reach the BFF, whose session then ends only at its next refresh.',
    fix: 'Enable back-channel logout for the client with the URI <app origin>/bff/backchannel-logout, or keep access tokens short-lived.',
  };
}

async function exchangeProbe(
  discovery: Discovery,
  endpoint: string,
  clientId: string,
  secret: string,
  method: ClientAuthMethod,
  redirectUri: string,
): Promise<Verdict> {
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code: PROBE_CODE,
    redirect_uri: redirectUri,
    code_verifier: randomBytes(32).toString('base64url'),
  });
  const headers = new Headers({
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  });
  // Exactly what openid-client sends for the BFF (the same encoding of the id and the secret).
  await clientAuthentication(method, secret)(
    discovery as unknown as ServerMetadata,
    { client_id: clientId },
    body,
    headers,
  );
  const response = await fetch(endpoint, {
    method: 'POST',
    headers,
    body: body.toString(),
    signal: AbortSignal.timeout(10_000),
  });
  const error = await response
    .json()
    .then((json: unknown) => {
      const error = (json as { error?: unknown } | null)?.error;
      return typeof error === 'string' ? error : undefined;
    })
    // Not JSON: only the status is left to judge by.
    .catch(() => undefined);
  if (error === 'invalid_client' || response.status === 401) return 'refused';
  if (error === 'invalid_grant') return 'accepted';
  return { other: error ?? `HTTP ${response.status}` };
}
