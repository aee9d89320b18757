/**
 * Runs every check against the provider named in the app's configuration and collects the
 * findings. Nothing here prints or exits: `main.ts` does that, the tests read the report.
 */
import { backchannelCheck, clientAuthCheck } from './bff-checks.ts';
import { discoveryChecks, type Discovery } from './discovery-checks.ts';
import type { BffClientConfig, DoctorConfig, DoctorReport, Finding } from './finding.ts';
import { postLogoutCheck } from './post-logout-check.ts';
import { providerSettings } from './provider-settings.ts';
import {
  authorizationChecks,
  describe,
  discoveryCorsCheck,
  revocationCheck,
  tokenEndpointChecks,
} from './request-checks.ts';

export interface DoctorOptions {
  readonly config: DoctorConfig;
  /** The app's origin, e.g. `http://localhost:4200`: redirect URI and CORS origin. */
  readonly appOrigin: string;
  /** BFF mode: check the BFF's confidential client instead of the app's public one. */
  readonly bff?: BffClientConfig;
}

/** The discovery URL the app (angular-oauth2-oidc) builds: a `/` only if the issuer lacks one. */
export function discoveryUrl(issuer: string): string {
  return `${issuer}${issuer.endsWith('/') ? '' : '/'}.well-known/openid-configuration`;
}

export async function runDoctor({ config, appOrigin, bff }: DoctorOptions): Promise<DoctorReport> {
  const atProvider = providerSettings(config.issuer);
  const loaded = await loadDiscovery(config.issuer);
  if ('finding' in loaded) {
    return report([loaded.finding], atProvider);
  }
  const { discovery } = loaded;
  const findings: Finding[] = [
    { id: 'discovery', status: 'ok', detail: `read ${discoveryUrl(config.issuer)}` },
    ...discoveryChecks(discovery, config, bff ? 'bff' : 'browser'),
  ];
  // Requests only make sense against endpoints that exist.
  const hasTokenEndpoint = typeof discovery['token_endpoint'] === 'string';
  if (bff) {
    // The BFF calls the token endpoint from a server: no CORS, a confidential client.
    if (hasTokenEndpoint) findings.push(await clientAuthCheck(discovery, config, bff, appOrigin));
  } else {
    findings.push(await discoveryCorsCheck(discoveryUrl(config.issuer), appOrigin));
    if (hasTokenEndpoint)
      findings.push(...(await tokenEndpointChecks(discovery, config, appOrigin)));
    const revocation = await revocationCheck(discovery, config, appOrigin);
    if (revocation) findings.push(revocation);
  }
  if (typeof discovery['authorization_endpoint'] === 'string') {
    const redirectPath = bff ? bff.callbackPath : config.redirectPath;
    findings.push(
      ...(await authorizationChecks(
        discovery,
        { ...config, ...(redirectPath ? { redirectPath } : {}) },
        appOrigin,
      )),
    );
  }
  const postLogout = await postLogoutCheck(
    discovery,
    config.clientId,
    `${appOrigin}${config.postLogoutPath ?? '/'}`,
  );
  if (postLogout) findings.push(postLogout);
  if (bff) findings.push(backchannelCheck(discovery));
  findings.push(await apiKeys(discovery));
  return report(findings, atProvider);
}

function report(findings: Finding[], atProvider: DoctorReport['atProvider']): DoctorReport {
  return { findings, atProvider, signInCanWork: findings.every((f) => f.status !== 'fail') };
}

async function loadDiscovery(
  issuer: string,
): Promise<{ discovery: Discovery } | { finding: Finding }> {
  const url = discoveryUrl(issuer);
  const fail = (detail: string, fix: string) => ({
    finding: { id: 'discovery' as const, status: 'fail' as const, detail, fix },
  });
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    return fail(
      `${url} could not be reached (${describe(error)}).`,
      'Check the issuer URL and that the provider is reachable from this machine.',
    );
  }
  if (!response.ok) {
    return fail(
      `${url} answered HTTP ${response.status}.`,
      "Use the issuer exactly as the provider's discovery document states it (docs/providers.md lists each provider's).",
    );
  }
  try {
    const discovery = (await response.json()) as unknown;
    if (typeof discovery !== 'object' || discovery === null || Array.isArray(discovery)) {
      throw new Error('not a JSON object');
    }
    return { discovery: discovery as Discovery };
  } catch (error) {
    return fail(
      `${url} is not a JSON discovery document (${describe(error)}).`,
      'Point the issuer at an OpenID Connect provider.',
    );
  }
}

/** Whether the dev API (OIDC_ISSUER mode) can find keys to verify access tokens with. */
async function apiKeys(discovery: Discovery): Promise<Finding> {
  const uri = discovery['jwks_uri'];
  if (typeof uri !== 'string') {
    return {
      id: 'api-keys',
      status: 'warn',
      detail: 'no jwks_uri: the dev API cannot verify access tokens (sign-in still works).',
      fix: 'Use a provider that publishes its signing keys.',
    };
  }
  try {
    const response = await fetch(uri, { signal: AbortSignal.timeout(10_000) });
    const { keys } = (await response.json()) as { keys?: { kty?: string; use?: string }[] };
    const usable = (keys ?? []).filter(
      (key) => ['RSA', 'EC', 'OKP'].includes(key.kty ?? '') && key.use !== 'enc',
    );
    if (usable.length > 0) {
      return {
        id: 'api-keys',
        status: 'ok',
        detail: `${usable.length} public signing key(s) at ${uri}`,
      };
    }
    return {
      id: 'api-keys',
      status: 'warn',
      detail: `${uri} has no public signing key: the dev API cannot verify access tokens.`,
      fix: 'Sign access tokens with an asymmetric key (RS256, ES256, …).',
    };
  } catch (error) {
    return {
      id: 'api-keys',
      status: 'warn',
      detail: `${uri} could not be read (${describe(error)}): the dev API cannot verify access tokens.`,
    };
  }
}
