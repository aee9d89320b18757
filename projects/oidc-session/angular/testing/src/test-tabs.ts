import { ApplicationRef, provideZonelessChangeDetection } from '@angular/core';
import { createApplication } from '@angular/platform-browser';
import { provideRouter } from '@angular/router';

import {
  AuthEvent,
  AuthService,
  ɵMemoryStorage as MemoryStorage,
  ɵSessionStore as SessionStore,
} from '@oidc-session/angular';
import { ɵtokensOf as tokensOf } from '@oidc-session/angular/browser';
import { FakeClock } from './fake-clock';
import { FakeTab, FakeTabNetwork } from './fake-tab-network';
import {
  AuthTestingController,
  AuthTestingOptions,
  provideAuthTesting,
} from './provide-auth-testing';
import { ScriptedTokenEndpoint } from './scripted-token-endpoint';

/** One browser tab: its own application, storage and token endpoint view, on a shared network. */
export interface TestTab {
  readonly app: ApplicationRef;
  readonly auth: AuthService;
  readonly kit: AuthTestingController;
  readonly endpoint: ScriptedTokenEndpoint;
  readonly storage: MemoryStorage;
  readonly sync: FakeTab;
  /** Every event this tab emitted since it finished starting. */
  readonly events: AuthEvent[];
}

/**
 * Several tabs of the app in one test, each a whole application (`createApplication`) on one
 * {@link FakeTabNetwork} and one clock. Destroy them with {@link closeAll} in `afterEach`.
 */
export class TestTabs {
  readonly network = new FakeTabNetwork();
  readonly clock = new FakeClock();
  readonly open: TestTab[] = [];
  /** Every refresh token presented to the (one, shared) provider, in order. */
  readonly presented: string[] = [];

  async openTab(
    options: { signedIn?: boolean; storage?: MemoryStorage } & AuthTestingOptions = {},
  ): Promise<TestTab> {
    const storage = options.storage ?? new MemoryStorage();
    const sync = this.network.tab();
    const app = await createApplication({
      providers: [
        provideZonelessChangeDetection(),
        provideRouter([]),
        provideAuthTesting({
          ...options,
          tab: sync,
          clock: this.clock,
          sessionStorage: storage,
          signedIn: options.signedIn ?? false,
        }),
      ],
    });
    const kit = app.injector.get(AuthTestingController);
    await kit.ready();
    const endpoint = app.injector.get(ScriptedTokenEndpoint);
    const refresh = endpoint.refresh.bind(endpoint);
    // All tabs talk to one provider: count what it is shown.
    endpoint.refresh = (tokens) => {
      this.presented.push(tokens.credentials?.['refreshToken'] ?? '(none)');
      return refresh({ ...tokens });
    };
    const tab: TestTab = {
      app,
      auth: app.injector.get(AuthService),
      kit,
      endpoint,
      storage,
      sync,
      events: [],
    };
    tab.auth.events$.subscribe((event) => tab.events.push(event));
    this.open.push(tab);
    return tab;
  }

  /** Refresh requests all tabs made. */
  refreshes(): number {
    return this.open.reduce((sum, tab) => sum + tab.endpoint.refreshCount, 0);
  }

  /** Closes one tab as the browser would: the app goes, its locks are released. */
  close(tab: TestTab): void {
    tab.app.destroy();
    tab.sync.close();
    this.open.splice(this.open.indexOf(tab), 1);
  }

  closeAll(): void {
    for (const tab of [...this.open]) this.close(tab);
  }
}

/** The access token a tab would send now, or null when it is signed out. */
export function tokenOf(tab: TestTab): string | null {
  const current = tab.app.injector.get(SessionStore).current();
  return current?.credentials ? tokensOf(current).accessToken : null;
}
