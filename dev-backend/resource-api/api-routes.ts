/**
 * The API's routes and the scope each one needs. Every route the app uses needs `api`, which the
 * app requests; `GET /api/audit-log` needs `audit`, which the app does not request, so a signed-in
 * app's token gets 403 `insufficient_scope` there (the refusal tests and clients can rely on).
 */
import { dashboardResource, isDashboardResource } from './dashboard-resources.ts';
import type { AccessTokenClaims } from './verify-access-token.ts';

/** Scope of every route the app calls (the dev provider's resource scope for this API). */
export const API_SCOPE = 'api';

/** Scope of the audit log only; the dev provider grants it to a client that asks for it. */
export const AUDIT_SCOPE = 'audit';

/**
 * `GET /api/payments` needs the one-time code level, at most this many seconds old (demo
 * contract, "Step-up"; RFC 9470).
 */
export const PAYMENTS_AUTHENTICATION = { acr: 'urn:demo:otp', maxAgeSeconds: 300 } as const;

export interface ApiRoute {
  /** The scope the access token must carry (its space-separated `scope` claim). */
  readonly scope: string;
  /** The authentication the token must come from: its `acr`, and `auth_time` at most this old. */
  readonly authentication?: { readonly acr: string; readonly maxAgeSeconds: number };
  /** The JSON body of the 200 answer. */
  answer(claims: AccessTokenClaims): unknown;
}

const DASHBOARD_PREFIX = '/api/dashboard/';

const ME: ApiRoute = {
  scope: API_SCOPE,
  answer: (claims) => ({ sub: claims.sub, name: claims.name ?? null }),
};

const AUDIT_LOG: ApiRoute = {
  scope: AUDIT_SCOPE,
  answer: (claims) => ({
    subject: claims.sub,
    entries: [
      { at: '2025-01-06T09:12:00Z', actor: 'alice', action: 'signed in' },
      { at: '2025-01-06T09:40:00Z', actor: 'bob', action: 'changed the croquet schedule' },
    ],
  }),
};

const PAYMENTS: ApiRoute = {
  scope: API_SCOPE,
  authentication: PAYMENTS_AUTHENTICATION,
  answer: (claims) => ({
    subject: claims.sub,
    payments: [
      { id: 'p-1001', to: 'The Mad Hatter', amount: '12.50 EUR', status: 'scheduled' },
      { id: 'p-1002', to: 'The March Hare', amount: '7.00 EUR', status: 'paid' },
    ],
  }),
};

/** The route for a GET of `path`, or undefined when there is none (404). */
export function findApiRoute(path: string): ApiRoute | undefined {
  if (path === '/api/me') {
    return ME;
  }
  if (path === '/api/audit-log') {
    return AUDIT_LOG;
  }
  if (path === '/api/payments') {
    return PAYMENTS;
  }
  const resource = path.startsWith(DASHBOARD_PREFIX) ? path.slice(DASHBOARD_PREFIX.length) : '';
  if (isDashboardResource(resource)) {
    return { scope: API_SCOPE, answer: (claims) => dashboardResource(resource, claims.sub) };
  }
  return undefined;
}

/**
 * True when the token comes from an authentication of the route's level (`acr`) that is recent
 * enough (`auth_time`, epoch seconds), at `nowSeconds`.
 */
export function authenticatedEnough(
  claims: AccessTokenClaims,
  needed: NonNullable<ApiRoute['authentication']>,
  nowSeconds: number,
): boolean {
  const { acr, auth_time: authTime } = claims.payload;
  return (
    acr === needed.acr &&
    typeof authTime === 'number' &&
    nowSeconds - authTime <= needed.maxAgeSeconds
  );
}

/** True when the token's space-separated `scope` claim contains `scope`. */
export function grantsScope(claims: AccessTokenClaims, scope: string): boolean {
  return (claims.scope ?? '').split(' ').includes(scope);
}
