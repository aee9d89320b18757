import { KeyValueStorage } from '../core/platform/browser-storage';
import { ɵCompletedLogin as CompletedLogin } from '@oidc-session/angular/browser';
import { ɵFakeOidcClient as FakeOidcClient } from '@oidc-session/angular/testing';
import { FakeProvider } from './fake-provider';

/** Where the simulated library keeps the pending sign-in's code, like its state in sessionStorage. */
export const PENDING_CODE_KEY = 'simulated-oidc.pending-code';

/**
 * The sign-in redirect against a {@link FakeProvider}: `startLogin` makes the authorization
 * request (the user then signs in at the provider) and keeps its code in the tab's
 * sessionStorage; a page loaded with `returningWithCode` is the redirect back, and
 * `completeLogin` redeems the code for the grant's first token set.
 */
export class SimulatedOidcClient extends FakeOidcClient {
  constructor(
    private readonly provider: FakeProvider,
    private readonly page: { readonly label: string; readonly isOpen: boolean },
    private readonly sessionStorage: KeyValueStorage,
    private readonly returningWithCode: string | null,
  ) {
    super();
  }

  override startLogin(returnPath: string): void {
    super.startLogin(returnPath);
    this.sessionStorage.setItem(PENDING_CODE_KEY, this.provider.authorize(this.page.label));
  }

  override hasLoginResponse(): boolean {
    return this.returningWithCode !== null;
  }

  override async completeLogin(): Promise<CompletedLogin> {
    const code = this.returningWithCode;
    this.sessionStorage.removeItem(PENDING_CODE_KEY);
    if (!code) return super.completeLogin();
    return { tokens: await this.provider.exchange(code, this.page), returnPath: '/dashboard' };
  }
}
