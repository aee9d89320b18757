/**
 * Where the callback sends the browser after a sign-in: the app's own return-path rule (one
 * implementation for both sides, `projects/oidc-session/angular/src/lib/core/return-url.ts`), with the BFF's default page `/`.
 */
import { safeReturnPath as appSafeReturnPath } from '../projects/oidc-session/angular/src/lib/core/return-url.ts';

/** The BFF's default page when a `returnUrl` is missing or refused. */
export const BFF_DEFAULT_RETURN_PATH = '/';

/**
 * A same-origin path for `returnUrl`, or `/`: accepted only if its final, normalised form starts
 * with exactly one `/` not followed by `/` or `\` (see the app's rule for the details).
 */
export function safeReturnPath(raw: unknown): string {
  return appSafeReturnPath(raw, BFF_DEFAULT_RETURN_PATH);
}
