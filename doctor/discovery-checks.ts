/**
 * Checks answered by the discovery document alone (OpenID Connect Discovery 1.0, RFC 8414).
 * Pure functions: the document and the app's configuration in, findings out.
 */
import type { DoctorConfig, Finding } from './finding.ts';

export type Discovery = Readonly<Record<string, unknown>>;

/** JWS algorithms a public client can live with: the provider signs with a private key. */
const ASYMMETRIC = /^(RS|PS|ES)(256|384|512)$|^EdDSA$|^Ed25519$|^Ed448$|^ES256K$/;

/** Endpoints that angular-oauth2-oidc's strict validation requires to start with the issuer. */
const STRICT_ENDPOINTS = [
  'authorization_endpoint',
  'token_endpoint',
  'end_session_endpoint',
  'revocation_endpoint',
  'userinfo_endpoint',
  'jwks_uri',
];

export function discoveryChecks(
  discovery: Discovery,
  config: DoctorConfig,
  mode: 'browser' | 'bff' = 'browser',
): Finding[] {
  return [
    issuerMatch(discovery, config),
    strictDiscovery(discovery, config),
    codeFlow(discovery),
    pkce(discovery),
    idTokenAlgorithm(discovery, mode),
    revocation(discovery),
    endSession(discovery),
    offlineAccess(discovery, config),
  ];
}

function issuerMatch(discovery: Discovery, config: DoctorConfig): Finding {
  const advertised = discovery['issuer'];
  if (advertised === config.issuer) {
    return { id: 'issuer-match', status: 'ok', detail: `issuer is "${config.issuer}"` };
  }
  const slashOnly =
    typeof advertised === 'string' &&
    advertised.replace(/\/$/, '') === config.issuer.replace(/\/$/, '');
  return {
    id: 'issuer-match',
    status: 'fail',
    detail:
      `discovery says issuer "${String(advertised)}", the app is configured with "${config.issuer}"` +
      (slashOnly ? ' (they differ only by the trailing slash)' : '') +
      '; the app compares them character for character and refuses to start.',
    fix: `In the app's configuration (auth.config.json "issuer", or OIDC_ISSUER) use exactly "${String(advertised)}".`,
  };
}

function strictDiscovery(discovery: Discovery, config: DoctorConfig): Finding {
  const outside = STRICT_ENDPOINTS.filter((name) => {
    const url = discovery[name];
    return typeof url === 'string' && !url.toLowerCase().startsWith(config.issuer.toLowerCase());
  });
  if (outside.length === 0) {
    return {
      id: 'strict-discovery',
      status: 'ok',
      detail: 'every endpoint starts with the issuer',
    };
  }
  if (config.strictDiscovery === false) {
    return {
      id: 'strict-discovery',
      status: 'info',
      detail: `${outside.join(', ')} do not start with the issuer; fine, strictDiscovery is false.`,
    };
  }
  return {
    id: 'strict-discovery',
    status: 'fail',
    detail: `${outside.join(', ')} do not start with the issuer, and strictDiscovery (default true) requires that.`,
    fix: 'Set "strictDiscovery": false in auth.config.json (OIDC_STRICT_DISCOVERY=false with npm start); Entra ID needs this.',
  };
}

function codeFlow(discovery: Discovery): Finding {
  const missing = ['authorization_endpoint', 'token_endpoint'].filter(
    (name) => typeof discovery[name] !== 'string',
  );
  if (missing.length > 0) {
    return {
      id: 'code-flow',
      status: 'fail',
      detail: `discovery has no ${missing.join(' and ')}.`,
      fix: 'Use an OpenID Connect provider (or authorization server) that offers the authorization code flow.',
    };
  }
  const responseTypes = stringList(discovery['response_types_supported']);
  if (responseTypes && !responseTypes.includes('code')) {
    return {
      id: 'code-flow',
      status: 'fail',
      detail: `response_types_supported is [${responseTypes.join(', ')}], without "code".`,
      fix: 'Enable the authorization code flow (standard flow) for the provider and this client.',
    };
  }
  const grants = stringList(discovery['grant_types_supported']);
  if (grants && !grants.includes('refresh_token')) {
    return {
      id: 'code-flow',
      status: 'warn',
      detail:
        'response type "code" is offered, but grant_types_supported lacks refresh_token: the session ends when the first access token expires.',
      fix: 'Enable the refresh token grant.',
    };
  }
  return {
    id: 'code-flow',
    status: 'ok',
    detail: 'response type "code" and the refresh grant are offered',
  };
}

function pkce(discovery: Discovery): Finding {
  const methods = stringList(discovery['code_challenge_methods_supported']);
  if (methods === undefined) {
    return {
      id: 'pkce-s256',
      status: 'warn',
      detail: 'code_challenge_methods_supported is not advertised, so PKCE support is unknown.',
      fix: 'Check at the provider that the client accepts (better: requires) PKCE with S256.',
    };
  }
  if (methods.includes('S256')) {
    return { id: 'pkce-s256', status: 'ok', detail: 'S256 is offered' };
  }
  return {
    id: 'pkce-s256',
    status: 'fail',
    detail: `code_challenge_methods_supported is [${methods.join(', ')}], without S256; the app always sends S256.`,
    fix: 'Enable PKCE with the S256 method for this client (PKCE method = S256).',
  };
}

function idTokenAlgorithm(discovery: Discovery, mode: 'browser' | 'bff'): Finding {
  const algorithms = stringList(discovery['id_token_signing_alg_values_supported']);
  if (algorithms === undefined) {
    return {
      id: 'id-token-alg',
      status: 'warn',
      detail:
        'id_token_signing_alg_values_supported is missing (it is required by OpenID Connect Discovery).',
      fix: "Check at the provider that the client's ID tokens are signed with RS256 (or another asymmetric algorithm).",
    };
  }
  const asymmetric = algorithms.filter((alg) => ASYMMETRIC.test(alg));
  if (asymmetric.length === 0) {
    return {
      id: 'id-token-alg',
      status: 'fail',
      detail:
        `ID tokens can only be signed with [${algorithms.join(', ')}]: an HMAC algorithm needs the client ` +
        'secret, which a public client does not have, so the code exchange fails (often as server_error).',
      fix: 'Sign ID tokens with an asymmetric algorithm such as RS256 (an RSA or EC signing key for the tenant or client).',
    };
  }
  const symmetric = algorithms.filter((alg) => /^HS/.test(alg));
  if (symmetric.length === 0) {
    return {
      id: 'id-token-alg',
      status: 'ok',
      detail: `only asymmetric algorithms offered: ${asymmetric.join(', ')}`,
    };
  }
  if (mode === 'bff') {
    // openid-client takes the ID token from the token endpoint over TLS (OpenID Connect Core
    // 3.1.3.7 allows skipping its signature then), so an HMAC-signed one works for the BFF.
    return {
      id: 'id-token-alg',
      status: 'info',
      detail: `${symmetric.join(', ')} offered beside ${asymmetric.join(', ')}: fine for the BFF, which receives the ID token from the token endpoint; a public client (browser mode) could not verify an HMAC-signed one.`,
    };
  }
  // Discovery lists what the provider can do, not what this client is set to: cannot tell.
  return {
    id: 'id-token-alg',
    status: 'warn',
    detail:
      `asymmetric algorithms offered (${asymmetric.join(', ')}), and ${symmetric.join(', ')} too: ` +
      "discovery cannot show which one this client's ID tokens use. With HMAC, a public client " +
      'cannot verify them and the code exchange fails (often as server_error).',
    fix: "Check the client's ID token signature algorithm at the provider (see client-id-token-alg below): RS256 or another asymmetric one.",
  };
}

function revocation(discovery: Discovery): Finding {
  return typeof discovery['revocation_endpoint'] === 'string'
    ? { id: 'revocation', status: 'ok', detail: 'sign-out revokes the refresh token (RFC 7009)' }
    : {
        id: 'revocation',
        status: 'warn',
        detail:
          'no revocation_endpoint: at sign-out the refresh token cannot be revoked and stays valid at the provider until it expires.',
        fix: 'Keep refresh-token lifetimes short at this provider (sign-in still works).',
      };
}

function endSession(discovery: Discovery): Finding {
  return typeof discovery['end_session_endpoint'] === 'string'
    ? { id: 'end-session', status: 'ok', detail: 'sign-out also ends the session at the provider' }
    : {
        id: 'end-session',
        status: 'warn',
        detail:
          "no end_session_endpoint: sign-out clears every tab, but the provider's own session survives, so the next sign-in may not ask for a password.",
        fix: 'Enable RP-initiated logout (Auth0: the end-session discovery toggle, see docs/providers.md).',
      };
}

function offlineAccess(discovery: Discovery, config: DoctorConfig): Finding {
  const scopes = stringList(discovery['scopes_supported']);
  const requested = config.scope.split(/\s+/).includes('offline_access');
  if (requested && typeof discovery['revocation_endpoint'] !== 'string') {
    // Refresh tokens asked for that sign-out cannot revoke outlive the app's sign-out.
    return {
      id: 'offline-access',
      status: 'warn',
      detail:
        'the scope asks for offline_access, and the provider has no revocation endpoint: the refresh ' +
        "token it issues survives the app's sign-out (and, at some providers, a logout at the provider).",
      fix: 'Leave offline_access out of the scope unless refresh tokens are needed, or keep their lifetime short at the provider.',
    };
  }
  if (scopes === undefined || !scopes.includes('offline_access')) {
    return {
      id: 'offline-access',
      status: requested ? 'warn' : 'info',
      detail:
        'offline_access is not advertised: refresh tokens depend on provider settings (Keycloak issues them without it)' +
        (requested ? '; the app requests it, and some providers refuse unknown scopes.' : '.'),
      ...(requested
        ? { fix: 'Remove offline_access from the scope if sign-in fails with invalid_scope.' }
        : {}),
    };
  }
  return requested
    ? { id: 'offline-access', status: 'ok', detail: 'offline_access is advertised and requested' }
    : {
        id: 'offline-access',
        status: 'info',
        detail:
          'offline_access is advertised but not requested: Auth0, Okta, Entra ID and FusionAuth then issue no refresh token.',
        fix: 'Add offline_access to the scope in the app configuration (OIDC_SCOPE) if no refresh token comes back.',
      };
}

/** The array of strings at a discovery field, or undefined when absent or not such an array. */
function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((item) => typeof item === 'string')
    ? value
    : undefined;
}
