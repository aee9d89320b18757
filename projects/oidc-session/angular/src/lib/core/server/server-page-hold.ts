import { Injectable, signal } from '@angular/core';

/**
 * Whether the page being rendered on the server is one only the browser may show: a guarded
 * page, when the server does not know the session. The guard lets the navigation finish (the
 * server answers 200 with the app's shell, not an error or a redirect) and sets this; the app's
 * shell leaves its router outlet out meanwhile, so the page's component neither renders nor
 * sends a request on the server. Each server render has its own (a root service of its app).
 */
@Injectable({ providedIn: 'root' })
export class ServerPageHold {
  private readonly held = signal(false);

  readonly active = this.held.asReadonly();

  hold(): void {
    this.held.set(true);
  }
}
