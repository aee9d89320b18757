import { HttpClient, HttpContext, HttpErrorResponse } from '@angular/common/http';
import { Injectable, InjectionToken, inject } from '@angular/core';
import { firstValueFrom } from 'rxjs';

import { AuthConfigError } from '../auth-errors';
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

  /**
   * Fetches (or takes) the configuration, validates it against the modes the app declared and
   * hands it to the AuthConfigStore.
   * @throws AuthConfigError naming the file or the offending field.
   */
  async load(): Promise<SharedAuthConfig> {
    // The rules are imported only now, while the file is fetched: an app's initial JavaScript
    // carries none of them.
    const [raw, { validateConfigFor }, rules] = await Promise.all([
      'config' in this.source ? this.source.config : this.fetch(this.source.url),
      import('./auth-config'),
      Promise.all(this.modes.map((mode) => mode.loadRules())),
    ]);
    const config = validateConfigFor(raw, rules);
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
