import { Injectable, RESPONSE_INIT, inject } from '@angular/core';

/**
 * The caching rule of server-rendered pages: a page that is, or could be, rendered with a session
 * (a guarded page; in bff mode every page, whose header says who is signed in) is private to the
 * browser that asked, never stored, and varies on the cookie. Pages that are the same for
 * everyone keep the host's own caching.
 */
@Injectable({ providedIn: 'root' })
export class ServerPagePolicy {
  private readonly response = inject(RESPONSE_INIT, { optional: true });

  /** Marks this render's response as private to the session it was, or could be, rendered for. */
  markPrivate(): void {
    const headers = this.response?.headers;
    if (!(headers instanceof Headers)) return;
    headers.set('Cache-Control', 'private, no-store');
    const vary = (headers.get('Vary') ?? '')
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name !== '');
    if (!vary.some((name) => name.toLowerCase() === 'cookie')) {
      headers.set('Vary', [...vary, 'Cookie'].join(', '));
    }
  }
}
