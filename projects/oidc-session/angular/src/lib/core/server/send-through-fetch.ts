import {
  HttpErrorResponse,
  HttpEvent,
  HttpEventType,
  HttpHeaders,
  HttpRequest,
  HttpResponse,
} from '@angular/common/http';
import { Observable } from 'rxjs';

/**
 * Sends `request` with the render host's `fetch` and answers as Angular's FetchBackend does over
 * the network: a 2xx is an HttpResponse with the body read as `responseType` asks, anything else
 * an HttpErrorResponse, a fetch that throws an HttpErrorResponse with status 0. (FetchBackend
 * cannot be given another fetch through public API, so this is its small, server-side twin.)
 *
 * The answer's Cache-Control is left out. It was made for this page's session alone, the page
 * itself is private and never stored, and the browser has its data in the page anyway; but a
 * `no-store` (the demo API's, and many APIs') would keep Angular's transfer cache from handing
 * the answer to the browser, which would then ask for it again while hydrating.
 */
export function sendThroughFetch(
  fetch: (request: Request) => Promise<Response>,
  request: HttpRequest<unknown>,
): Observable<HttpEvent<unknown>> {
  return new Observable((observer) => {
    const aborter = new AbortController();
    const url = request.urlWithParams;
    void (async () => {
      let response: Response;
      try {
        const sent = fetch(new Request(url, { ...requestInit(request), signal: aborter.signal }));
        observer.next({ type: HttpEventType.Sent });
        response = await sent;
      } catch (error: unknown) {
        observer.error(new HttpErrorResponse({ error, status: 0, url }));
        return;
      }
      const headers = answerHeaders(response.headers);
      const init = { headers, status: response.status, statusText: response.statusText, url };
      let body: unknown;
      try {
        body = parseBody(request, await response.arrayBuffer(), response);
      } catch (error: unknown) {
        observer.error(new HttpErrorResponse({ ...init, error }));
        return;
      }
      if (response.ok) {
        observer.next(new HttpResponse({ ...init, body }));
        observer.complete();
      } else {
        observer.error(new HttpErrorResponse({ ...init, error: body }));
      }
    })();
    return () => aborter.abort();
  });
}

function requestInit(request: HttpRequest<unknown>): RequestInit {
  const headers = new Headers();
  request.headers
    .keys()
    .forEach((name) => headers.set(name, request.headers.getAll(name)!.join(',')));
  if (!headers.has('accept')) headers.set('accept', 'application/json, text/plain, */*');
  const type = request.detectContentTypeHeader();
  if (!headers.has('content-type') && type !== null) headers.set('content-type', type);
  return { method: request.method, headers, body: request.serializeBody() as BodyInit | null };
}

function answerHeaders(headers: Headers): HttpHeaders {
  const answer: Record<string, string[]> = {};
  headers.forEach((value, name) => {
    if (name !== 'cache-control') (answer[name] ??= []).push(value);
  });
  return new HttpHeaders(answer);
}

/** As FetchBackend reads a body: an unparseable JSON error body is left as text. */
function parseBody(request: HttpRequest<unknown>, bytes: ArrayBuffer, response: Response): unknown {
  switch (request.responseType) {
    case 'json': {
      const text = new TextDecoder().decode(bytes).replace(/^\)\]\}',?\n/, '');
      if (text === '') return null;
      try {
        return JSON.parse(text);
      } catch (error) {
        if (!response.ok) return text;
        throw error;
      }
    }
    case 'text':
      return new TextDecoder().decode(bytes);
    case 'blob':
      return new Blob([bytes], { type: response.headers.get('content-type') ?? '' });
    case 'arraybuffer':
      return bytes;
  }
}
