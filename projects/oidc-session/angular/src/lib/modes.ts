import { EnvironmentInjector, Injectable, inject } from '@angular/core';

import { AuthMode } from './core/config/auth-config';
import { BrowserTokenBackend } from './browser-tokens/browser-token-backend';
import { SessionBackend } from './core/session-backend';

/**
 * Picks the mode's backend at start-up. bff mode is imported only when configured, so a
 * browser-mode app never downloads it (and a bff-mode app never downloads angular-oauth2-oidc,
 * which only the browser mode's sign-in imports, on demand).
 */
@Injectable({ providedIn: 'root' })
export class SessionBackendLoader {
  private readonly injector = inject(EnvironmentInjector);

  async load(mode: AuthMode): Promise<SessionBackend> {
    if (mode === 'browser') return this.injector.get(BrowserTokenBackend);
    const { createBffBackend } = await import('./bff');
    return createBffBackend(this.injector);
  }
}
