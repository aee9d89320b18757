import { HttpContextToken } from '@angular/common/http';

/**
 * Set on a request's `HttpContext` to keep the session layer out of it entirely: no token is
 * attached and a 401 is not refreshed. The session layer's own token-endpoint and config
 * requests carry it, so the interceptor never waits on the refresh it is part of.
 */
export const SKIP_AUTH = new HttpContextToken<boolean>(() => false);
