// DPoP's cost in the subject "this": a proof alone, and a request through the app's interceptor
// chain (authInterceptor, which adds the proofs) with the signed-in DPoP-bound session.
import {
  HttpBackend,
  HttpClient,
  HttpEvent,
  HttpRequest,
  HttpResponse,
  provideHttpClient,
  withInterceptors,
} from '@angular/common/http';
import { EnvironmentInjector, createEnvironmentInjector } from '@angular/core';
import { generateKeyPair, generateProof } from 'dpop';
import { Observable, firstValueFrom, of } from 'rxjs';

import { authInterceptor } from '@oidc-session/angular';
import type { DpopCostKind } from '../shared/bench-api';

/** Answers at once: what remains is the client's work, proof signing included. */
class MemoryBackend implements HttpBackend {
  handle(request: HttpRequest<unknown>): Observable<HttpEvent<unknown>> {
    return of(new HttpResponse({ status: 200, url: request.url, body: null }));
  }
}

/**
 * µs per proof or per request, one after the other (a proof is asynchronous WebCrypto work, so
 * a request is timed until its answer). `proof`: `dpop`'s generateProof with a non-extractable
 * ES256 key and `ath`, as the interceptor calls it. `interceptor`: a GET through
 * authInterceptor against an in-memory backend.
 */
export function dpopCostMeter(
  parent: EnvironmentInjector,
  apiBase: string,
): (kind: DpopCostKind, iterations: number) => Promise<number> {
  const http = createEnvironmentInjector(
    [
      provideHttpClient(withInterceptors([authInterceptor])),
      { provide: HttpBackend, useClass: MemoryBackend },
    ],
    parent,
  ).get(HttpClient);
  const url = `${apiBase}/dashboard/weather`;
  const keyPair = generateKeyPair('ES256');
  return async (kind, iterations) => {
    const key = await keyPair;
    const started = performance.now();
    for (let i = 0; i < iterations; i++) {
      if (kind === 'proof') await generateProof(key, url, 'GET', undefined, 'bench-access-token');
      else await firstValueFrom(http.get(url));
    }
    return ((performance.now() - started) * 1000) / iterations;
  };
}
