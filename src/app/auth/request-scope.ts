import { DOCUMENT, Injectable, inject } from '@angular/core';

import { ApiAllowlist } from './api-allowlist';
import { AuthConfig } from './auth-config';
import { AuthConfigStore } from './auth-config-store';
import { AuthEventLog } from './auth-events';
import { ProviderMetadataStore } from './provider-metadata';
import { RefusalBrake } from './refusal-brake';
import { SessionStore } from './session-store';
import { TokenRefresher } from './token-refresher';

/**
 * What the interceptor needs for every request, resolved once (one `inject()` per request
 * instead of six) with the allowlist prepared once per configuration.
 */
@Injectable({ providedIn: 'root' })
export class RequestScope {
  readonly store = inject(SessionStore);
  readonly refresher = inject(TokenRefresher);
  readonly brake = inject(RefusalBrake);
  readonly events = inject(AuthEventLog);
  private readonly config = inject(AuthConfigStore);
  private readonly metadata = inject(ProviderMetadataStore);
  private readonly document = inject(DOCUMENT);
  private allowlist: ApiAllowlist | null = null;
  private allowlistConfig: AuthConfig | null = null;

  /**
   * Whether a request to `url` gets the access token: a configured API, never the token
   * endpoint (defence in depth against a misconfigured allowlist), and nothing before start-up
   * has loaded the configuration.
   */
  allows(url: string): boolean {
    if (!this.config.isLoaded) return false;
    const config = this.config.current;
    if (config !== this.allowlistConfig) {
      this.allowlist = new ApiAllowlist(config.apis, this.document.baseURI);
      this.allowlistConfig = config;
    }
    const target = this.allowlist!.match(url);
    return target !== null && target !== this.metadata.current()?.tokenEndpoint;
  }
}
