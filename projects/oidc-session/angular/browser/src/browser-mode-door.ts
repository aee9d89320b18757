// Browser mode's backend, imported on demand (with-browser-mode.ts) when the configuration says
// `"mode": "browser"`: nothing here is in any chunk of an app that does not declare the mode.
import { EnvironmentInjector, Provider, createEnvironmentInjector } from '@angular/core';

import { ɵSessionBackend as SessionBackend } from '@oidc-session/angular';
import { BrowserTokenBackend } from './browser-token-backend';
import { LazyLibraryOidcClient } from './sign-in/lazy-library-oidc-client';
import { OidcClient } from './sign-in/oidc-client';
import { HttpTokenEndpoint } from './provider/http-token-endpoint';
import { TokenEndpoint } from './provider/token-endpoint';

/**
 * Browser mode's backend, in an injector of its own under the app's. An OidcClient or
 * TokenEndpoint the app provides itself (the testing kit's fakes) is used instead of the real one
 * (angular-oauth2-oidc, loaded when a sign-in needs it; the provider's token endpoint).
 */
export function createBrowserBackend(parent: EnvironmentInjector): SessionBackend {
  const providers: Provider[] = [BrowserTokenBackend];
  if (!parent.get(OidcClient, null, { optional: true })) {
    providers.push({ provide: OidcClient, useExisting: LazyLibraryOidcClient });
  }
  if (!parent.get(TokenEndpoint, null, { optional: true })) {
    providers.push({ provide: TokenEndpoint, useExisting: HttpTokenEndpoint });
  }
  return createEnvironmentInjector(providers, parent, 'browser-mode').get(BrowserTokenBackend);
}
