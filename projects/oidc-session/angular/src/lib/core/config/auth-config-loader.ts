import { HttpClient, HttpContext, HttpErrorResponse } from '@angular/common/http';
import { Injectable, InjectionToken, inject } from '@angular/core';
import { firstValueFrom } from 'rxjs';

import { AuthConfigError } from '../auth-errors';
import { AUTH_RENDER_CONTEXT } from '../server/auth-render-context';
import { SESSION_MODES } from '../session-mode';
import { SKIP_AUTH } from '../skip-auth';
import { AuthConfigStore } from './auth-config-store';
import { AuthConfigSource, SharedAuthConfig } from './config-types';

export const AUTH_CONFIG_SOURCE = new InjectionToken<AuthConfigSource>('AUTH_CONFIG_SOURCE');

/** Start-up's first step: fetches (or takes) the configuration and checks it. */
@Injectable({ providedIn: 'root' })
export class AuthConfigLoader {
  private readonly source = inject(AUTH_CONFIG_SOURCE);
  private readonly http = inject(HttpClient);
  private readonly store = inject(AuthConfigStore);
  private readonly modes = inject(SESSION_MODES, { optional: true }) ?? [];
  private readonly renderContext = inject(AUTH_RENDER_CONTEXT);

  /**
   * Fetches (or takes) the configuration, validates it against the modes the app declared and
   * hands it to the AuthConfigStore.
   * @throws AuthConfigError naming the file or the offending field.
   */
  async load(): Promise<SharedAuthConfig> {
    return this.check('config' in this.source ? this.source.config : this.fetch(this.source.url));
  }

  /**
   * On the server: the configuration given in code, or the one the host passed in the render
   * context (the server never fetches its own URL); null when neither says, and the render goes
   * on without knowing the mode.
   * @throws AuthConfigError when the one given is invalid, as in the browser.
   */
  async loadOnServer(): Promise<SharedAuthConfig | null> {
    const raw = 'config' in this.source ? this.source.config : this.renderContext?.config;
    return raw === undefined || raw === null ? null : this.check(raw);
  }

  private async check(raw: unknown): Promise<SharedAuthConfig> {
    // The rules are imported only now, while the file is fetched: an app's initial JavaScript
    // carries none of them.
    const [file, { validateConfigFor }, rules] = await Promise.all([
      raw,
      import('./auth-config'),
      Promise.all(this.modes.map((mode) => mode.loadRules())),
    ]);
    const config = validateConfigFor(file, rules);
    this.store.use(config);
    return config;
  }

  private async fetch(url: string): Promise<unknown> {
    try {
      return await firstValueFrom(
        this.http.get<unknown>(url, { context: new HttpContext().set(SKIP_AUTH, true) }),
      );
    } catch (error) {
      // HttpClient reports both a missing file and a body that is not JSON as HttpErrorResponse.
      const why =
        error instanceof HttpErrorResponse && error.status === 200
          ? 'is not valid JSON'
          : `could not be loaded (${error instanceof HttpErrorResponse ? `HTTP ${error.status}` : String(error)})`;
      throw new AuthConfigError(url, why);
    }
  }
}
