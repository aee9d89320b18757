import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { firstValueFrom } from 'rxjs';

import {
  ɵAUTH_CONFIG_SOURCE as AUTH_CONFIG_SOURCE,
  AuthConfigError,
  ɵAuthConfigLoader as AuthConfigLoader,
  ɵAuthConfigStore as AuthConfigStore,
  ɵMemoryStorage as MemoryStorage,
  ProviderUnreachableError,
  ɵSESSION_STORAGE as SESSION_STORAGE,
  SessionExpiredError,
  ɵSessionState as SessionState,
} from '@oidc-session/angular';
import { withBrowserMode } from '@oidc-session/angular/browser';
import { tokenResponse } from '@oidc-session/angular/testing';
import { tokensOf } from '../browser-credentials';
import { ProviderMetadataStore } from './provider-metadata';
import { HttpTokenEndpoint } from './http-token-endpoint';

const ISSUER = 'https://op.example.test';
const DISCOVERY = `${ISSUER}/.well-known/openid-configuration`;
const STORAGE_KEY = `oidc-session.metadata:${ISSUER}`;

function document(overrides: Record<string, unknown> = {}) {
  return {
    issuer: ISSUER,
    authorization_endpoint: `${ISSUER}/auth`,
    token_endpoint: `${ISSUER}/token`,
    revocation_endpoint: `${ISSUER}/token/revocation`,
    end_session_endpoint: `${ISSUER}/session/end`,
    ...overrides,
  };
}

describe('ProviderMetadataStore', () => {
  let storage: MemoryStorage;
  let backend: HttpTestingController;

  async function setUp(config: Record<string, unknown> = {}): Promise<ProviderMetadataStore> {
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(),
        provideHttpClientTesting(),
        ...withBrowserMode().providers,
        {
          provide: AUTH_CONFIG_SOURCE,
          useValue: {
            config: { issuer: ISSUER, clientId: 'spa', scope: 'openid', apis: [], ...config },
          },
        },
        { provide: SESSION_STORAGE, useValue: storage },
      ],
    });
    backend = TestBed.inject(HttpTestingController);
    await TestBed.inject(AuthConfigLoader).load();
    return TestBed.inject(ProviderMetadataStore);
  }

  /** A second page load of the same tab: a new store on the same sessionStorage. */
  const reloaded = () => TestBed.runInInjectionContext(() => new ProviderMetadataStore());

  async function outcome(
    promise: Promise<unknown>,
    answer: (r: ReturnType<HttpTestingController['expectOne']>) => void,
  ) {
    const settled = promise.then(
      (value) => ({ value, error: undefined as unknown }),
      (error: unknown) => ({ value: undefined, error }),
    );
    answer(backend.expectOne(DISCOVERY));
    return settled;
  }

  beforeEach(() => (storage = new MemoryStorage()));
  afterEach(() => backend.verify());

  it('fetches discovery once in a fresh tab, however many ask at once', async () => {
    const store = await setUp();
    const [first, second] = [store.get(), store.get()];
    backend.expectOne(DISCOVERY).flush(document());
    expect(await first).toEqual(await second);
    expect((await first).tokenEndpoint).toBe(`${ISSUER}/token`);
  });

  it('keeps it per issuer, so the next page load of the tab asks the provider nothing', async () => {
    const store = await setUp();
    const fetched = store.get();
    backend.expectOne(DISCOVERY).flush(document());
    await fetched;
    expect(JSON.parse(storage.getItem(STORAGE_KEY)!).fetchedAt).toEqual(jasmine.any(Number));

    const next = reloaded();
    expect(next.current()?.revocationEndpoint).toBe(`${ISSUER}/token/revocation`);
    expect(await next.get()).toEqual(jasmine.objectContaining({ issuer: ISSUER }));
    backend.expectNone(DISCOVERY);
  });

  it('ignores what was kept for another issuer', async () => {
    storage.setItem(
      'oidc-session.metadata:https://old.example.test',
      JSON.stringify({ ...document({ issuer: 'https://old.example.test' }), fetchedAt: 1 }),
    );
    const store = await setUp();
    expect(store.current()).toBeNull();
  });

  it('drops a tampered copy (an endpoint moved to plain http elsewhere) and discovers again', async () => {
    storage.setItem(
      STORAGE_KEY,
      JSON.stringify({ issuer: ISSUER, tokenEndpoint: 'http://evil.example/token', fetchedAt: 1 }),
    );
    const store = await setUp({ strictDiscovery: false });
    expect(store.current()).toBeNull();
    expect(storage.getItem(STORAGE_KEY)).toBeNull();
    const { value } = await outcome(store.get(), (r) => r.flush(document()));
    expect((value as { tokenEndpoint: string }).tokenEndpoint).toBe(`${ISSUER}/token`);
  });

  it('drops an unparseable copy', async () => {
    storage.setItem(STORAGE_KEY, '{not json');
    const store = await setUp();
    expect(store.current()).toBeNull();
  });

  it('refuses a document for another issuer, even by a trailing slash, naming the issuer', async () => {
    const store = await setUp();
    const { error } = await outcome(store.get(), (r) =>
      r.flush(document({ issuer: `${ISSUER}/` })),
    );
    expect(error).toBeInstanceOf(AuthConfigError);
    expect((error as AuthConfigError).field).toBe('issuer');
    expect(storage.getItem(STORAGE_KEY)).toBeNull();
  });

  it('refuses a document without a token endpoint', async () => {
    const store = await setUp();
    const { error } = await outcome(store.get(), (r) =>
      r.flush(document({ token_endpoint: undefined })),
    );
    expect((error as AuthConfigError).message).toContain('no token_endpoint');
  });

  it('refuses endpoints outside the issuer while strictDiscovery is on', async () => {
    const store = await setUp();
    const { error } = await outcome(store.get(), (r) =>
      r.flush(document({ authorization_endpoint: 'https://elsewhere.test/auth' })),
    );
    expect((error as AuthConfigError).message).toContain('strictDiscovery');
  });

  it('refuses plain-http endpoints that are not loopback', async () => {
    const store = await setUp({ strictDiscovery: false });
    const { error } = await outcome(store.get(), (r) =>
      r.flush(document({ token_endpoint: 'http://op.example.test/token' })),
    );
    expect((error as AuthConfigError).message).toContain('neither https: nor loopback');
  });

  it('reports a missing document as a configuration error, no answer and 5xx as unreachable', async () => {
    const store = await setUp();
    const missing = await outcome(store.get(), (r) =>
      r.flush('', { status: 404, statusText: 'Not Found' }),
    );
    expect((missing.error as AuthConfigError).message).toContain('HTTP 404');
    const offline = await outcome(store.get(), (r) => r.error(new ProgressEvent('error')));
    expect(offline.error).toBeInstanceOf(ProviderUnreachableError);
    const down = await outcome(store.get(), (r) =>
      r.flush('', { status: 503, statusText: 'Unavailable' }),
    );
    expect((down.error as ProviderUnreachableError).status).toBe(503);
  });
});

describe('a token endpoint that moved since discovery was kept', () => {
  let backend: HttpTestingController;
  let endpoint: HttpTokenEndpoint;
  const tokens: SessionState = {
    canRefresh: true,
    heldBy: 'tab',
    credentials: {
      accessToken: 'a',
      refreshToken: 'r',
      idToken: null,
      tokenType: null,
    },
    claims: { sub: 'alice' },
    receivedAt: 0,
    expiresAt: 1,
    generation: 1,
    epoch: 0,
  };

  beforeEach(async () => {
    const storage = new MemoryStorage();
    storage.setItem(STORAGE_KEY, JSON.stringify({ ...fromDocument(document()), fetchedAt: 1 }));
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(),
        provideHttpClientTesting(),
        ...withBrowserMode().providers,
        {
          provide: AUTH_CONFIG_SOURCE,
          useValue: { config: { issuer: ISSUER, clientId: 'spa', scope: 'openid', apis: [] } },
        },
        { provide: SESSION_STORAGE, useValue: storage },
      ],
    });
    backend = TestBed.inject(HttpTestingController);
    await TestBed.inject(AuthConfigLoader).load();
    endpoint = TestBed.inject(HttpTokenEndpoint);
  });

  afterEach(() => backend.verify());

  const tick = () => new Promise((resolve) => setTimeout(resolve));

  async function refresh() {
    const result = firstValueFrom(endpoint.refresh(tokens)).then(
      (value) => ({ value, error: undefined as unknown }),
      (error: unknown) => ({ value: undefined, error }),
    );
    await tick();
    return result;
  }

  it('asks discovery once after a 404 and redeems at the new place', async () => {
    const result = refresh();
    await tick();
    backend.expectOne(`${ISSUER}/token`).flush('', { status: 404, statusText: 'Not Found' });
    await tick();
    backend.expectOne(DISCOVERY).flush(document({ token_endpoint: `${ISSUER}/oauth2/token` }));
    await tick();
    backend.expectOne(`${ISSUER}/oauth2/token`).flush(JSON.stringify(tokenResponse()));
    const value = (await result).value;
    expect(value && tokensOf(value).accessToken).toBe('fresh-access-token-1');
  });

  it('classifies the 404 as before when discovery names the same endpoint', async () => {
    const result = refresh();
    await tick();
    backend.expectOne(`${ISSUER}/token`).flush('', { status: 404, statusText: 'Not Found' });
    await tick();
    backend.expectOne(DISCOVERY).flush(document());
    expect((await result).error).toBeInstanceOf(SessionExpiredError);
  });

  it('keeps the session when no connection could be made and discovery cannot be had either', async () => {
    const result = refresh();
    await tick();
    backend.expectOne(`${ISSUER}/token`).error(new ProgressEvent('error'));
    await tick();
    backend.expectOne(DISCOVERY).error(new ProgressEvent('error'));
    expect((await result).error).toBeInstanceOf(ProviderUnreachableError);
  });

  it('never ends the session over a discovery document that no longer fits the configuration', async () => {
    const result = refresh();
    await tick();
    backend
      .expectOne(`${ISSUER}/token`)
      .flush('', { status: 405, statusText: 'Method Not Allowed' });
    await tick();
    backend.expectOne(DISCOVERY).flush(document({ issuer: 'https://other.example.test' }));
    const { error } = await result;
    expect(error).toBeInstanceOf(ProviderUnreachableError);
    expect((error as ProviderUnreachableError).reason).toBe('discovery_failed');
  });
});

function fromDocument(doc: ReturnType<typeof document>) {
  return {
    issuer: doc.issuer,
    authorizationEndpoint: doc.authorization_endpoint,
    tokenEndpoint: doc.token_endpoint,
    revocationEndpoint: doc.revocation_endpoint,
    endSessionEndpoint: doc.end_session_endpoint,
  };
}
