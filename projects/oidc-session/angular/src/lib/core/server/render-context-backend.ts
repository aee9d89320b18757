import { FetchBackend, HttpEvent, HttpRequest } from '@angular/common/http';
import { Injectable, REQUEST, inject } from '@angular/core';
import { Observable, defer } from 'rxjs';

import { AuthConfigStore } from '../config/auth-config-store';
import { ApiAllowlist } from '../config/api-allowlist';
import { SKIP_AUTH } from '../skip-auth';
import { AUTH_RENDER_CONTEXT } from './auth-render-context';
import { sendThroughFetch } from './send-through-fetch';
import { ServerSession } from './server-session';

/**
 * The HttpBackend of a server render (provided by `provideAuthRenderContext()`). While the page
 * renders with a session (ServerSession), a request to the session's APIs goes through the
 * host's `fetch` (the BFF: in process, through its API proxy, with the page's cookie) instead of
 * the network, which would carry no session. Anything else goes to the network with fetch, as
 * Angular recommends on a server (FetchBackend, which this extends).
 *
 * A backend rather than an interceptor: Angular's HTTP transfer cache is the last interceptor,
 * and it records only the answers that pass through it, so the browser can hydrate without
 * asking for them again.
 */
@Injectable()
export class RenderContextBackend extends FetchBackend {
  private readonly context = inject(AUTH_RENDER_CONTEXT);
  private readonly session = inject(ServerSession);
  private readonly config = inject(AuthConfigStore);
  /** For relative request URLs: the page's URL (a server document has no base URI). */
  private readonly base =
    inject(REQUEST, { optional: true })?.url ?? globalThis.location?.href ?? 'http://localhost/';
  private allowlist: ApiAllowlist | null = null;

  override handle(request: HttpRequest<unknown>): Observable<HttpEvent<unknown>> {
    // Deferred: a backend that throws as it is called leaves the render waiting for ever (the
    // request's pending task is never released), where an error in the Observable fails the call.
    return defer(() => {
      const fetch = this.context?.fetch;
      const viaHost =
        fetch &&
        this.session.signedIn &&
        !request.context.get(SKIP_AUTH) &&
        this.protects(request.urlWithParams);
      return viaHost ? sendThroughFetch(fetch, request) : super.handle(request);
    });
  }

  private protects(url: string): boolean {
    this.allowlist ??= new ApiAllowlist(this.config.current.apis, this.base);
    return this.allowlist.allows(url);
  }
}
