import {
  HttpBackend,
  HttpClient,
  HttpErrorResponse,
  provideHttpClient,
  withInterceptors,
} from '@angular/common/http';
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

import { AuthEvent, AuthEventLog } from '../core/auth-events';
import { authInterceptor } from '../auth-interceptor';
import { AuthService } from '../auth-service';
import { AuthTiming } from '../core/config/auth-timing';
import { KeyValueStorage } from '../core/platform/browser-storage';
import { SessionState } from '../core/session';
import { SessionStore } from '../core/tabs/session-store';
import { TabSync, createTabSync } from '../core/tabs/tab-sync';
import { FakeApi } from './fake-api';
import { FakeClock, provideAuthTesting, TEST_API } from '@oidc-session/angular/testing';
import { FakeProvider } from './fake-provider';
import { FakeProviderEndpoint } from './fake-provider-endpoint';
import { SimulatedBrowser, SimulatedPage } from './simulated-browser';
import { PENDING_CODE_KEY, SimulatedOidcClient } from './simulated-sign-in';
import { VirtualTime } from './virtual-time';

/** The prefix of the Web Lock a tab holds for its generation (tab-sync.ts). */
const GENERATION_LOCK = 'oidc-session:generation:';

/** sessionStorage of one tab; Duplicate Tab copies it. */
export class TabStorage implements KeyValueStorage {
  private readonly items = new Map<string, string>();
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }
  removeItem(key: string): void {
    this.items.delete(key);
  }
  copy(): TabStorage {
    const copy = new TabStorage();
    this.items.forEach((value, key) => copy.setItem(key, value));
    return copy;
  }
}

/** One running page load of a tab: the app and what the simulation reads from it. */
export interface PageApp {
  readonly page: SimulatedPage;
  readonly sync: TabSync;
  injector: EnvironmentInjector | null;
  appRef: ApplicationRef | null;
  /** The token set the page's SessionStore holds, as last emitted. */
  current: SessionState | null;
  /** The last token set it held (null only before it held any). */
  lastHeld: SessionState | null;
  /** When it last went from a session to none. */
  lastEndedAt: number | null;
  readonly bootStartedAt: number;
  booted: boolean;
  bootError: unknown;
}

/** A browser tab across its page loads. */
export interface SimTab {
  readonly name: string;
  storage: TabStorage;
  state: 'loading' | 'open' | 'at-provider' | 'closed';
  app: PageApp | null;
  loads: number;
  /** Newest generation this tab has held (across its page loads). */
  newestGeneration: number;
}

/** An API request made from a page, and how it ended. */
export interface TrackedRequest {
  readonly id: number;
  readonly tab: SimTab;
  readonly app: PageApp;
  readonly startedAt: number;
  /** The session the page held when the request was made. */
  readonly heldAtStart: SessionState | null;
  outcome: null | {
    readonly at: number;
    readonly ok: boolean;
    readonly error: unknown;
    /** The session the page held when the request ended. */
    readonly heldAtEnd: SessionState | null;
    /** The last session it held by then (what a refresh would have used). */
    readonly lastHeld: SessionState | null;
    /** Generations other live pages held (by their generation locks) when it ended. */
    readonly heldGenerations: readonly number[];
  };
}

export interface SimulationSettings {
  readonly timing: AuthTiming;
  readonly apiLatencyMs: number;
}

/**
 * Several tabs of the app in one simulated browser, all on virtual time: each page load is its
 * own `createApplication` with the real session layer (BrowserTabSync over the simulated
 * BroadcastChannel and Web Locks, the real interceptor), a fake API and a shared fake provider.
 * Everything notable goes to `story`.
 */
export class TabSimulation {
  readonly tabs: SimTab[] = [];
  readonly requests: TrackedRequest[] = [];
  readonly clock: FakeClock;
  /** Problems the hooks noticed while things happened (checked by the spec after each step). */
  readonly noticed: string[] = [];
  private readonly refusedOnce = new Set<string>();
  private requestCount = 0;
  private readonly started: number;

  constructor(
    readonly time: VirtualTime,
    readonly browser: SimulatedBrowser,
    readonly provider: FakeProvider,
    readonly settings: SimulationSettings,
    readonly story: (line: string) => void,
    /** Told of every token set a page's store takes (or null), as it happens. */
    private readonly onHeld: (tab: SimTab, app: PageApp, tokens: SessionState | null) => void,
  ) {
    const now = () => time.now();
    this.clock = new (class extends FakeClock {
      override now(): number {
        return now();
      }
    })();
    this.started = time.now();
  }

  /** Seconds since the simulation began, for the story. */
  elapsed(at = this.time.now()): string {
    return `${((at - this.started) / 1000).toFixed(3)}s`;
  }

  newTab(storage = new TabStorage()): SimTab {
    const tab: SimTab = {
      name: `tab ${this.tabs.length + 1}`,
      storage,
      state: 'closed',
      app: null,
      loads: 0,
      newestGeneration: 0,
    };
    this.tabs.push(tab);
    return tab;
  }

  /** Starts a page load in `tab` (returning from the provider with `code`, if given). */
  load(tab: SimTab, code: string | null = null): PageApp {
    tab.loads++;
    const page = this.browser.openPage(
      tab.loads === 1 ? tab.name : `${tab.name} (load ${tab.loads})`,
    );
    const sync = createTabSync(page.scope, page.localStorage);
    const sessionStorage = page.gate(tab.storage);
    const app: PageApp = {
      page,
      sync,
      injector: null,
      appRef: null,
      current: null,
      lastHeld: null,
      lastEndedAt: null,
      bootStartedAt: this.time.now(),
      booted: false,
      bootError: null,
    };
    tab.app = app;
    tab.state = 'loading';
    const simulation = this;
    void createApplication({
      providers: [
        provideZonelessChangeDetection(),
        provideRouter([]),
        provideLocationMocks(),
        provideHttpClient(withInterceptors([authInterceptor])),
        { provide: HttpBackend, useValue: new FakeApi(this, page) },
        // Runs before the session layer's start-up: watches the store and the events from the start.
        provideAppInitializer(() => {
          app.injector = inject(EnvironmentInjector);
          inject(SessionStore).tokens$.subscribe((tokens) => {
            const before = app.current;
            app.current = tokens;
            if (tokens) app.lastHeld = tokens;
            else if (before) app.lastEndedAt = this.time.now();
            // The store's first value (nothing yet) is no news.
            if (page.isOpen && (tokens || before)) simulation.onHeld(tab, app, tokens);
          });
          inject(AuthEventLog).events$.subscribe((event) => {
            if (page.isOpen) simulation.story(`${page.label}: ${describeEvent(event)}`);
          });
        }),
        provideAuthTesting({
          tab: sync,
          clock: this.clock,
          sessionStorage,
          localStorage: page.localStorage,
          signedIn: false,
          // The token endpoint as this page sees it; nothing is sent once the page is closed.
          tokenEndpoint: new FakeProviderEndpoint(this.provider, page),
          oidcClient: new SimulatedOidcClient(this.provider, page, sessionStorage, code),
          timing: this.settings.timing,
          accessTokenLifetimeSeconds: this.provider.timing.accessTokenLifetimeMs / 1000,
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
        const held = app.current;
        this.story(
          `${page.label}: loaded, ${held ? `signed in (generation ${held.generation})` : 'signed out'}`,
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

  /** The page goes away (tab closed, reloaded or navigated away): channel and locks first. */
  unload(tab: SimTab): void {
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

  service<T>(app: PageApp, token: abstract new (...args: never[]) => T): T {
    if (!app.injector) throw new Error(`${app.page.label} is not running`);
    return app.injector.get(token as never) as T;
  }

  /** Makes an API request in the tab's page through HttpClient (so the real interceptor runs). */
  request(tab: SimTab, refusedOnce: boolean): TrackedRequest {
    const app = tab.app!;
    const id = ++this.requestCount;
    const url = `${TEST_API.origin}/items?request=${id}`;
    if (refusedOnce) this.refusedOnce.add(url);
    const tracked: TrackedRequest = {
      id,
      tab,
      app,
      startedAt: this.time.now(),
      heldAtStart: app.current,
      outcome: null,
    };
    this.requests.push(tracked);
    const settle = (ok: boolean, error: unknown) => {
      if (tracked.outcome) return;
      const heldGenerations = this.browser.locks
        .heldLocks()
        .filter((lock) => lock.clientId !== app.page.label && lock.name.startsWith(GENERATION_LOCK))
        .map((lock) => Number(lock.name.slice(GENERATION_LOCK.length)));
      tracked.outcome = {
        at: this.time.now(),
        ok,
        error,
        heldAtEnd: app.current,
        lastHeld: app.lastHeld,
        heldGenerations,
      };
      if (app.page.isOpen)
        this.story(
          `${app.page.label}: request #${id} ${ok ? 'succeeds' : `fails: ${describeError(error)}`}`,
        );
    };
    this.service(app, HttpClient)
      .get(url)
      .subscribe({
        next: () => settle(true, null),
        error: (error: unknown) => settle(false, error),
      });
    return tracked;
  }

  /**
   * The user signs in from this tab: once `login()` has made the authorization request, the
   * page leaves for the provider.
   * @returns the authorization code the provider will redirect back with, if it got that far.
   */
  async startSignIn(tab: SimTab): Promise<string | null> {
    const app = tab.app!;
    tab.state = 'at-provider';
    try {
      await this.service(app, AuthService).login('/dashboard');
    } catch (error: unknown) {
      this.noticed.push(`${app.page.label}: login() failed: ${describeError(error)}`);
    }
    if (tab.app === app) this.unload(tab);
    return tab.storage.getItem(PENDING_CODE_KEY);
  }

  /** The provider redirects back with the code of the sign-in this tab started. */
  returnFromProvider(tab: SimTab): void {
    const code = tab.storage.getItem(PENDING_CODE_KEY);
    this.load(tab, code);
  }

  /** @internal Whether the fake API refuses this URL once (a 401 to a good token). */
  takeRefusal(url: string): boolean {
    return this.refusedOnce.delete(url);
  }
}

export function describeEvent(event: AuthEvent): string {
  const { type, at: _, ...rest } = event as AuthEvent & Record<string, unknown>;
  const details = Object.entries(rest)
    .filter(([key]) => key !== 'expiresAt')
    .map(([key, value]) => `${key} ${String(value)}`)
    .join(', ');
  return details ? `${type} (${details})` : type;
}

export function describeError(error: unknown): string {
  if (error instanceof HttpErrorResponse) return `HTTP ${error.status}`;
  if (error instanceof Error) {
    const reason = (error as Error & { reason?: string }).reason;
    return reason ? `${error.name} ${reason}` : `${error.name}: ${error.message}`;
  }
  return String(error);
}
