/**
 * What the benchmark driver calls in a subject's page (`window.bench`). Each subject (this
 * project, angular-oauth2-oidc wired the stock way, a naive interceptor) implements it on top of
 * its own HttpClient wiring; the driver never touches a subject's internals.
 */
import {
  HttpBackend,
  HttpClient,
  HttpEvent,
  HttpInterceptorFn,
  HttpRequest,
  HttpResponse,
  provideHttpClient,
  withInterceptors,
  withInterceptorsFromDi,
} from '@angular/common/http';
import {
  EnvironmentInjector,
  EnvironmentProviders,
  createEnvironmentInjector,
} from '@angular/core';
import { Observable, of } from 'rxjs';

export interface BurstResult {
  readonly ok: number;
  readonly failed: number;
  /** Wall time from the first request made to the last answer, ms. */
  readonly ms: number;
}

export interface BenchApi {
  /** Starts the sign-in redirect. */
  signIn(): void;
  /** Whether the page believes it is signed in (the driver also probes the API). */
  signedIn(): boolean;
  /** `n` parallel GETs through the subject's HttpClient; paths get `?i=<k>` to be distinct. */
  burst(n: number, path: string): Promise<BurstResult>;
  /**
   * µs per request through the subject's interceptor chain against an in-memory backend, the
   * requests cycling through {@link API_URL_MIX} (the same URLs, in the same order, for every
   * variant).
   */
  httpCostMicros(variant: HttpCostVariant, iterations: number): number;
  /** Subject "this" only: µs per DPoP proof, or per request with DPoP on (bench/apps/this). */
  dpopCostMicros?(kind: DpopCostKind, iterations: number): Promise<number>;
}

export type HttpCostVariant = 'subject' | 'bare' | 'clone-header';

export type DpopCostKind = 'proof' | 'interceptor';

declare global {
  interface Window {
    bench?: BenchApi;
    benchReady?: Promise<void>;
  }
}

/** Fires `n` requests at once and waits for all of them. */
export function burst(
  http: HttpClient,
  apiBase: string,
  n: number,
  path: string,
): Promise<BurstResult> {
  const started = performance.now();
  let ok = 0;
  let failed = 0;
  return new Promise((resolve) => {
    const done = () => {
      if (ok + failed === n) resolve({ ok, failed, ms: performance.now() - started });
    };
    for (let i = 0; i < n; i++) {
      http.get(`${apiBase}${path}?i=${i}`).subscribe({
        next: () => {
          ok++;
          done();
        },
        error: () => {
          failed++;
          done();
        },
      });
    }
  });
}

/**
 * A realistic mix of API requests for the interceptor cost, relative to the API base (origin +
 * path prefix, so every one of them is on the allowlist of every subject and gets the token):
 * ids, slugs, nested resources, query strings of different lengths, and two paths with
 * percent-encoded characters (which an allowlist may have to parse the slow way). They never
 * reach the API: the cost is measured against an in-memory backend.
 */
export const API_URL_MIX: readonly string[] = [
  '/me',
  '/dashboard/weather',
  '/dashboard/weather?city=Berlin&units=metric',
  '/dashboard/news?page=2&pageSize=20',
  '/dashboard/stocks?symbols=AAPL,MSFT,GOOG&range=1d',
  '/dashboard/calendar?from=2026-11-01&to=2026-11-30',
  '/orders',
  '/orders?status=open&sort=-createdAt&limit=25',
  '/orders/48213',
  '/orders/48213/items?expand=product',
  '/customers/c_7f3a9e/addresses',
  '/customers/c_7f3a9e/orders?page=3',
  '/products/sku-10442?include=stock,price',
  '/search?q=wireless+headphones&category=audio',
  '/search?q=caf%C3%A9&lang=fr',
  '/users/42/preferences',
  '/notifications?unread=true&limit=50',
  '/teams/platform/members?role=admin',
  '/v2/projects/alpha-7/issues?state=open&labels=bug,p1',
  '/reports/2026-11/summary.csv',
  '/invoices/INV-2026-00017.pdf',
  '/files/Quarterly%20report%20Q3.pdf',
  '/audit?since=2026-11-25T08:00:00Z&actor=alice',
  '/settings/notifications/email',
];

/** Answers every request at once, synchronously: what remains is the client-side cost. */
class MemoryBackend implements HttpBackend {
  handle(request: HttpRequest<unknown>): Observable<HttpEvent<unknown>> {
    return of(new HttpResponse({ status: 200, url: request.url, body: null }));
  }
}

/** The irreducible work of any bearer interceptor: clone the request with a fixed header. */
const cloneHeaderInterceptor: HttpInterceptorFn = (request, next) =>
  next(request.clone({ setHeaders: { Authorization: 'Bearer fixed-token' } }));

/**
 * Builds three HttpClients sharing the app's injector (so the subject's interceptor sees the
 * real, signed-in session) but ending in an in-memory backend, and times one of them over the
 * URL mix under `apiBase` (every variant requests the same URLs in the same order).
 */
export function httpCostMeter(
  parent: EnvironmentInjector,
  subject: { interceptors: HttpInterceptorFn[] } | { fromDi: true },
  apiBase: string,
): (variant: HttpCostVariant, iterations: number) => number {
  // Built once, outside the timed loop: string building is not what is measured.
  const urls = API_URL_MIX.map((path) => apiBase + path);
  const client = (providers: EnvironmentProviders) =>
    createEnvironmentInjector(
      [providers, { provide: HttpBackend, useClass: MemoryBackend }],
      parent,
    ).get(HttpClient);
  const clients: Record<HttpCostVariant, HttpClient> = {
    subject: client(
      'interceptors' in subject
        ? provideHttpClient(withInterceptors(subject.interceptors))
        : provideHttpClient(withInterceptorsFromDi()),
    ),
    bare: client(provideHttpClient()),
    'clone-header': client(provideHttpClient(withInterceptors([cloneHeaderInterceptor]))),
  };
  return (variant, iterations) => {
    const http = clients[variant];
    let answered = 0;
    const started = performance.now();
    for (let i = 0; i < iterations; i++)
      http.get(urls[i % urls.length]).subscribe(() => answered++);
    const micros = ((performance.now() - started) * 1000) / iterations;
    if (answered !== iterations)
      throw new Error(`${variant}: only ${answered} of ${iterations} answered synchronously`);
    return micros;
  };
}
