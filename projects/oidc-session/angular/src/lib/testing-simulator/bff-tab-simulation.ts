import { HttpBackend, HttpClient, provideHttpClient, withInterceptors } from '@angular/common/http';
import { provideLocationMocks } from '@angular/common/testing';
import {
  ApplicationRef,
  EnvironmentInjector,
  inject,
  provideAppInitializer,
  provideZonelessChangeDetection,
} from '@angular/core';
import { createApplication } from '@angular/platform-browser';
import { provideRouter } from '@angular/router';

import { AuthEventLog } from '../core/auth-events';
import { authInterceptor } from '../auth-interceptor';
import { AuthService } from '../auth-service';
import { DEFAULT_AUTH_TIMING } from '../core/config/auth-timing';
import { SessionState } from '../core/session';
import { SessionStore } from '../core/tabs/session-store';
import { createTabSync } from '../core/tabs/tab-sync';
import { FakeClock, provideAuthTesting, TEST_API } from '@oidc-session/angular/testing';
import { SESSION_CLAIM, SimulatedBff } from './simulated-bff';
import { SimulatedBrowser, SimulatedPage } from './simulated-browser';
import { TabStorage, describeError, describeEvent } from './simulated-tabs';
import { VirtualTime } from './virtual-time';

/** One page load of a tab in bff mode. */
export interface BffPageApp {
  readonly page: SimulatedPage;
  injector: EnvironmentInjector | null;
  appRef: ApplicationRef | null;
  current: SessionState | null;
  readonly bootStartedAt: number;
  booted: boolean;
  bootError: unknown;
}

/** A browser tab across its page loads. */
export interface BffTab {
  readonly name: string;
  readonly storage: TabStorage;
  state: 'loading' | 'open' | 'at-provider' | 'closed';
  app: BffPageApp | null;
  loads: number;
  /** The step that started this tab's sign-in at the provider, while it is there. */
  signInStep: number;
}

/** An API request made from a page, and whether it ended. */
export interface BffTrackedRequest {
  readonly app: BffPageApp;
  readonly startedAt: number;
  endedAt: number | null;
}

/** The BFF session a token set stands for (the simulated BFF names it in a claim). */
export function sessionOf(tokens: SessionState | null): string | null {
  const id = tokens?.claims[SESSION_CLAIM];
  return typeof id === 'string' ? id : null;
}

/**
 * Several tabs of the app in bff mode in one simulated browser on virtual time: each page load is
 * its own `createApplication` with the real session layer (BffBackend and the real BffClient over
 * HttpClient and the interceptor, BrowserTabSync over the simulated channel and locks), all
 * talking to one {@link SimulatedBff} through the browser's shared cookie jar.
 */
export class BffTabSimulation {
  readonly tabs: BffTab[] = [];
  readonly requests: BffTrackedRequest[] = [];
  readonly noticed: string[] = [];
  private readonly clock: FakeClock;
  private requestCount = 0;

  constructor(
    readonly time: VirtualTime,
    readonly browser: SimulatedBrowser,
    readonly bff: SimulatedBff,
    private readonly story: (line: string) => void,
    /** Told of every session a page's store takes (or null), as it happens. */
    private readonly onHeld: (app: BffPageApp, tokens: SessionState | null) => void,
  ) {
    const now = () => time.now();
    this.clock = new (class extends FakeClock {
      override now(): number {
        return now();
      }
    })();
  }

  newTab(): BffTab {
    const tab: BffTab = {
      name: `tab ${this.tabs.length + 1}`,
      storage: new TabStorage(),
      state: 'closed',
      app: null,
      loads: 0,
      signInStep: 0,
    };
    this.tabs.push(tab);
    return tab;
  }

  load(tab: BffTab): BffPageApp {
    tab.loads++;
    const page = this.browser.openPage(
      tab.loads === 1 ? tab.name : `${tab.name} (load ${tab.loads})`,
    );
    const app: BffPageApp = {
      page,
      injector: null,
      appRef: null,
      current: null,
      bootStartedAt: this.time.now(),
      booted: false,
      bootError: null,
    };
    tab.app = app;
    tab.state = 'loading';
    const sim = this;
    void createApplication({
      providers: [
        provideZonelessChangeDetection(),
        provideRouter([]),
        provideLocationMocks(),
        provideHttpClient(withInterceptors([authInterceptor])),
        { provide: HttpBackend, useValue: this.bff.backendFor(page) },
        provideAppInitializer(() => {
          app.injector = inject(EnvironmentInjector);
          inject(SessionStore).tokens$.subscribe((tokens) => {
            const before = app.current;
            app.current = tokens;
            if (page.isOpen && (tokens || before)) sim.onHeld(app, tokens);
          });
          inject(AuthEventLog).events$.subscribe((event) => {
            if (page.isOpen) sim.story(`${page.label}: ${describeEvent(event)}`);
          });
        }),
        provideAuthTesting({
          mode: 'bff',
          bffClient: 'http',
          tab: createTabSync(page.scope, page.localStorage),
          clock: this.clock,
          sessionStorage: page.gate(tab.storage),
          localStorage: page.localStorage,
          signedIn: false,
          timing: DEFAULT_AUTH_TIMING,
          // document.cookie of this page: gone with the page.
          signOutCookie: (pending) => {
            if (page.isOpen) this.bff.writePendingCookie(pending);
          },
        }),
      ],
    }).then(
      (appRef) => {
        app.appRef = appRef;
        if (!page.isOpen) {
          appRef.destroy();
          return;
        }
        app.booted = true;
        tab.state = 'open';
        const held = sessionOf(app.current);
        this.story(
          `${page.label}: loaded, ${held ? `signed in (${held} v${app.current?.generation})` : 'signed out'}`,
        );
      },
      (error: unknown) => {
        app.bootError = error;
        if (page.isOpen)
          this.noticed.push(`${page.label} failed to start: ${describeError(error)}`);
      },
    );
    return app;
  }

  unload(tab: BffTab): void {
    const app = tab.app;
    tab.app = null;
    if (!app) return;
    app.page.close();
    try {
      app.appRef?.destroy();
    } catch (error: unknown) {
      this.noticed.push(`${app.page.label}: destroying the app threw ${describeError(error)}`);
    }
  }

  service<T>(app: BffPageApp, token: abstract new (...args: never[]) => T): T {
    if (!app.injector) throw new Error(`${app.page.label} is not running`);
    return app.injector.get(token as never) as T;
  }

  /** An API request through HttpClient (so the real interceptor runs) and the BFF's proxy. */
  request(tab: BffTab): void {
    const app = tab.app!;
    const id = ++this.requestCount;
    const tracked: BffTrackedRequest = { app, startedAt: this.time.now(), endedAt: null };
    this.requests.push(tracked);
    const settle = (outcome: string) => {
      if (tracked.endedAt !== null) return;
      tracked.endedAt = this.time.now();
      if (app.page.isOpen) this.story(`${app.page.label}: request #${id} ${outcome}`);
    };
    this.service(app, HttpClient)
      .get(`${TEST_API.origin}/items?request=${id}`)
      .subscribe({
        next: () => settle('succeeds'),
        error: (error: unknown) => settle(`fails: ${describeError(error)}`),
      });
  }

  /**
   * The user presses Sign in: `login()` sends a pending sign-out first, then leaves for the BFF
   * (and the provider). Resolves whether it left.
   */
  async startSignIn(tab: BffTab, step: number): Promise<boolean> {
    const app = tab.app!;
    try {
      await this.service(app, AuthService).login('/dashboard');
    } catch (error: unknown) {
      this.story(`${app.page.label}: sign-in cannot start: ${describeError(error)}`);
      return false;
    }
    if (tab.app !== app) return false;
    this.unload(tab);
    tab.state = 'at-provider';
    tab.signInStep = step;
    // /bff/login's answer: the cookie that binds the callback to this browser and sign-in.
    this.bff.jar.set('bff_login', String(step));
    return true;
  }

  /**
   * The provider sends the tab back through the BFF's callback: a new session if the binding
   * cookie is still this sign-in's (a sign-out since, or a later sign-in, removed or replaced
   * it), then a page load.
   */
  returnFromProvider(tab: BffTab): void {
    if (this.bff.jar.get('bff_login') === String(tab.signInStep)) this.bff.signIn(tab.signInStep);
    else
      this.story(`BFF: the callback of step ${tab.signInStep}'s sign-in is refused (no binding)`);
    this.bff.jar.delete('bff_login');
    this.load(tab);
  }
}
