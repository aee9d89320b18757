import { Injectable } from '@angular/core';

import { SharedAuthConfig } from './config-types';

/**
 * Holds the validated configuration once start-up has loaded it (AuthConfigLoader). The core
 * reads only the shared fields; each mode reads its own typed view (`browserConfig()`,
 * `bffConfig()`). It imports nothing but the types, so whatever reads the configuration stays
 * a short import chain away from it.
 */
@Injectable({ providedIn: 'root' })
export class AuthConfigStore {
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

  /** Start-up's one write: the configuration, validated against the declared modes. */
  use(config: SharedAuthConfig): void {
    this.loaded = config;
  }
}
