import { Injectable } from '@angular/core';

import {
  LoginError,
  type ɵAuthenticationParameters as AuthenticationParameters,
} from '@oidc-session/angular';
import {
  ɵCompletedLogin as CompletedLogin,
  ɵOidcClient as OidcClient,
  ɵProviderMetadata as ProviderMetadata,
} from '@oidc-session/angular/browser';

export const TEST_ISSUER = 'https://issuer.example.test';

/** Sign-in without a provider: its metadata seeds the discovery cache, sign-ins are recorded. */
@Injectable()
export class FakeOidcClient extends OidcClient {
  readonly metadata: ProviderMetadata = {
    issuer: TEST_ISSUER,
    tokenEndpoint: `${TEST_ISSUER}/token`,
    revocationEndpoint: `${TEST_ISSUER}/token/revocation`,
    endSessionEndpoint: `${TEST_ISSUER}/session/end`,
  };
  /** Return paths of every sign-in started, in order. */
  readonly loginRequests: string[] = [];
  /** What each of those sign-ins asked the provider for (a step-up's `acr_values`, `max_age`). */
  readonly loginAuthentication: AuthenticationParameters[] = [];

  startLogin(returnPath: string, authentication: AuthenticationParameters = {}): void {
    this.loginRequests.push(returnPath);
    this.loginAuthentication.push(authentication);
  }

  override hasLoginResponse(): boolean {
    return false;
  }

  async completeLogin(): Promise<CompletedLogin> {
    throw new LoginError('the testing kit does not complete sign-in redirects');
  }
}
