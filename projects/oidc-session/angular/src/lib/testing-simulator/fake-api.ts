import {
  HttpBackend,
  HttpErrorResponse,
  HttpEvent,
  HttpHeaders,
  HttpRequest,
  HttpResponse,
} from '@angular/common/http';
import { Observable } from 'rxjs';

import { SimulatedPage } from './simulated-browser';

/** What the API needs of the simulation it runs in (the TabSimulation). */
export interface ApiSimulation {
  readonly provider: { acceptsAccessToken(token: string): boolean };
  readonly settings: { readonly apiLatencyMs: number };
  /** Whether the simulation marked this URL to be refused once (and unmarks it). */
  takeRefusal(url: string): boolean;
  story(line: string): void;
}

/**
 * The resource API of a simulation: 200 for an unexpired access token the fake provider issued
 * (a JWT: revoking its grant does not recall it), else 401 with an `invalid_token` challenge;
 * a URL the simulation marked is refused once (a 401 to a good token). Answers reach only a
 * page that is still open.
 */
export class FakeApi extends HttpBackend {
  constructor(
    private readonly simulation: ApiSimulation,
    private readonly page: SimulatedPage,
  ) {
    super();
  }

  handle(request: HttpRequest<unknown>): Observable<HttpEvent<unknown>> {
    return new Observable((subscriber) => {
      const { simulation, page } = this;
      if (!page.isOpen) return;
      const token = request.headers.get('Authorization')?.replace(/^Bearer /, '') ?? null;
      const url = request.urlWithParams;
      const timer = setTimeout(() => {
        if (!page.isOpen) return;
        const refused = simulation.takeRefusal(url);
        if (token && !refused && simulation.provider.acceptsAccessToken(token)) {
          subscriber.next(new HttpResponse({ status: 200, url, body: { items: [] } }));
          subscriber.complete();
          return;
        }
        const why = !token ? 'no token' : refused ? 'refused once' : `${token} not valid`;
        simulation.story(`API: 401 to ${page.label} (${why})`);
        subscriber.error(
          new HttpErrorResponse({
            status: 401,
            url,
            headers: new HttpHeaders({ 'WWW-Authenticate': 'Bearer error="invalid_token"' }),
          }),
        );
      }, simulation.settings.apiLatencyMs);
      return () => clearTimeout(timer);
    });
  }
}
