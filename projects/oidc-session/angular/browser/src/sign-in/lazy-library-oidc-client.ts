import { EnvironmentInjector, Injectable, inject } from '@angular/core';

import {
  ɵAuthConfigStore as AuthConfigStore,
  type ɵAuthenticationParameters as AuthenticationParameters,
  ɵKeyValueStorage as KeyValueStorage,
  ɵSESSION_STORAGE as SESSION_STORAGE,
} from '@oidc-session/angular';
import { browserConfig } from '../browser-config';
import { DpopSupport } from '../dpop';
import { CompletedLogin, OidcClient, PageAddress } from './oidc-client';
import { isOwnSignInAnswer } from './pending-sign-in';
import { ProviderMetadataStore } from '../provider/provider-metadata';

type LibrarySignIn = import('./library-sign-in').LibrarySignIn;

/**
 * The app's {@link OidcClient}: angular-oauth2-oidc, imported only when a sign-in starts or
 * comes back, so a page load with a stored session never downloads it. The library gets the
 * provider's endpoints from our discovery cache.
 */
@Injectable({ providedIn: 'root' })
export class LazyLibraryOidcClient extends OidcClient {
  private readonly injector = inject(EnvironmentInjector);
  private readonly config = inject(AuthConfigStore);
  private readonly metadata = inject(ProviderMetadataStore);
  private readonly dpop = inject(DpopSupport);
  private readonly sessionStorage: KeyValueStorage | null = inject(SESSION_STORAGE);
  private loading: Promise<LibrarySignIn> | null = null;

  async startLogin(returnPath: string, authentication?: AuthenticationParameters): Promise<void> {
    const library = await this.library();
    // A new DPoP key for every sign-in, made before leaving: the provider binds the tokens to
    // the key that proves the code exchange, and that key must be the one stored here.
    await this.dpop.prepareSignIn();
    library.startLogin(returnPath, authentication);
  }

  /** Only on the redirect path, with the `state` of the sign-in this tab left for. */
  hasLoginResponse(page: PageAddress): boolean {
    return isOwnSignInAnswer(page, browserConfig(this.config).redirectPath, this.sessionStorage);
  }

  async completeLogin(search: string): Promise<CompletedLogin> {
    return (await this.library()).completeLogin(search);
  }

  private library(): Promise<LibrarySignIn> {
    this.loading ??= this.load().catch((error: unknown) => {
      // An unreachable provider or a failed chunk download: the next attempt starts over.
      this.loading = null;
      throw error;
    });
    return this.loading;
  }

  private async load(): Promise<LibrarySignIn> {
    const metadata = await this.metadata.get();
    const { createLibrarySignIn } = await import('./library-sign-in');
    return createLibrarySignIn(this.injector, browserConfig(this.config), metadata);
  }
}
