import { HttpClient, HttpContext, HttpErrorResponse } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { firstValueFrom } from 'rxjs';

import { AUTH_CONFIG_SOURCE, SharedAuthConfig, validateConfigFor } from './auth-config';
import { AuthConfigError } from '../auth-errors';
import { SESSION_MODES } from '../session-mode';
import { SKIP_AUTH } from '../skip-auth';

/**
 * Holds the validated configuration once start-up has loaded it. The core reads only the shared
 * fields; each mode reads its own typed view (`browserConfig()`, `bffConfig()`).
 */
@Injectable({ providedIn: 'root' })
export class AuthConfigStore {
  private readonly source = inject(AUTH_CONFIG_SOURCE);
  private readonly http = inject(HttpClient);
  private readonly modes = inject(SESSION_MODES, { optional: true }) ?? [];
  private loaded: SharedAuthConfig | null = null;

  /** The configuration; only valid after start-up. */
  get current(): SharedAuthConfig {
    if (!this.loaded)
      throw new Error('[auth] The auth configuration is read before start-up loaded it.');
    return this.loaded;
  }

  get isLoaded(): boolean {
    return this.loaded !== null;
  }

  /**
   * Fetches (or takes) and validates the configuration.
   * @throws AuthConfigError naming the file or the offending field.
   */
  async load(): Promise<SharedAuthConfig> {
    const raw = 'config' in this.source ? this.source.config : await this.fetch(this.source.url);
    this.loaded = validateConfigFor(raw, this.modes);
    return this.loaded;
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
