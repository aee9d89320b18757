/**
 * Narrows oidc-provider's CORS preflight answers to the app's origin.
 *
 * `clientBasedCORS` can only judge actual requests: a preflight carries no client_id, so
 * oidc-provider answers every preflight to the token, revocation and userinfo endpoints with
 * `Access-Control-Allow-Origin: <whatever Origin was sent>`. The actual request from another
 * origin is refused anyway, but answering its preflight would advertise an allowance that does
 * not exist; this post-middleware takes it back.
 */
import type Provider from 'oidc-provider';

/** Preflight routes of the endpoints whose CORS depends on the client (oidc-provider route names). */
const CLIENT_BASED_PREFLIGHTS = new Set([
  'cors.token',
  'cors.revocation',
  'cors.userinfo',
  'cors.introspection',
]);

/** Registers the policy on `provider`; call before it serves requests. */
export function restrictPreflightsToOrigin(provider: Provider, allowedOrigin: string): void {
  provider.use(async (ctx, next) => {
    await next();
    const route = (ctx as { oidc?: { route?: string } }).oidc?.route;
    if (
      ctx.method === 'OPTIONS' &&
      route !== undefined &&
      CLIENT_BASED_PREFLIGHTS.has(route) &&
      ctx.get('Origin') !== allowedOrigin
    ) {
      for (const header of Object.keys(ctx.response.headers)) {
        if (header.toLowerCase().startsWith('access-control-')) {
          ctx.remove(header);
        }
      }
    }
  });
}
