import { provideHttpClient } from '@angular/common/http';
import { provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';

import {
  ɵAUTH_CONFIG_SOURCE as AUTH_CONFIG_SOURCE,
  ɵAuthConfigLoader as AuthConfigLoader,
  ɵAuthConfigStore as AuthConfigStore,
  AuthEvent,
  ɵAuthEventLog as AuthEventLog,
  LoginError,
  ɵMemoryStorage as MemoryStorage,
  ɵSESSION_STORAGE as SESSION_STORAGE,
} from '@oidc-session/angular';
import { withBrowserMode } from '@oidc-session/angular/browser';
import { ProviderMetadata } from '../sign-in/oidc-client';
import { PROVIDER_METADATA_SEED } from '../provider/provider-metadata-seed';
import { DPOP_KEY_STORE, DpopKeyStore } from './dpop-key-store';
import { DpopSupport } from './dpop-support';

const ISSUER = 'https://op.example.test';
const ADVERTISING: ProviderMetadata = {
  issuer: ISSUER,
  tokenEndpoint: `${ISSUER}/token`,
  revocationEndpoint: null,
  endSessionEndpoint: null,
  dpopSigningAlgValuesSupported: ['RS256', 'ES256'],
};

describe('DpopSupport', () => {
  let events: AuthEvent[];

  async function setUp(options: {
    dpop?: string;
    metadata?: ProviderMetadata;
    keys: DpopKeyStore | null;
  }): Promise<DpopSupport> {
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(),
        provideHttpClientTesting(),
        { provide: PROVIDER_METADATA_SEED, useValue: options.metadata ?? ADVERTISING },
        { provide: DPOP_KEY_STORE, useValue: options.keys },
        // Discovery cached by an earlier test must not answer for this one's provider.
        { provide: SESSION_STORAGE, useValue: new MemoryStorage() },
        ...withBrowserMode().providers,
        {
          provide: AUTH_CONFIG_SOURCE,
          useValue: {
            config: {
              issuer: ISSUER,
              clientId: 'spa',
              scope: 'openid',
              apis: [],
              ...(options.dpop ? { dpop: options.dpop } : {}),
            },
          },
        },
      ],
    });
    await TestBed.inject(AuthConfigLoader).load();
    events = [];
    TestBed.inject(AuthEventLog).events$.subscribe((event) => events.push(event));
    return TestBed.inject(DpopSupport);
  }

  /** A key store that works, without touching IndexedDB. */
  function workingKeys(): DpopKeyStore {
    const key = { id: 'k1', pair: {} as never };
    return jasmine.createSpyObj<DpopKeyStore>('DpopKeyStore', {
      prepareSignInKey: Promise.resolve(key),
      signInKey: Promise.resolve(key),
      dropSignInKey: Promise.resolve(),
    });
  }

  it('uses DPoP when the provider advertises ES256: a new key before the sign-in', async () => {
    const keys = workingKeys();
    const support = await setUp({ keys });
    expect((await support.prepareSignIn())?.id).toBe('k1');
    expect(keys.prepareSignInKey).toHaveBeenCalledTimes(1);
    expect((await support.codeExchangeKey())?.id).toBe('k1');
  });

  it('stays with Bearer for a provider that does not advertise ES256, making no key', async () => {
    const keys = workingKeys();
    const support = await setUp({
      keys,
      metadata: { ...ADVERTISING, dpopSigningAlgValuesSupported: ['PS256'] },
    });
    expect(await support.prepareSignIn()).toBeNull();
    expect(await support.codeExchangeKey()).toBeNull();
    expect(keys.prepareSignInKey).not.toHaveBeenCalled();
    expect(events).toEqual([]);
  });

  it('stays with Bearer when the configuration says off', async () => {
    const keys = workingKeys();
    const support = await setUp({ keys, dpop: 'off' });
    expect(await support.prepareSignIn()).toBeNull();
    expect(keys.prepareSignInKey).not.toHaveBeenCalled();
  });

  it('falls back to Bearer with a warning event where there is no IndexedDB or WebCrypto', async () => {
    spyOn(console, 'warn');
    const support = await setUp({ keys: null });
    expect(await support.prepareSignIn()).toBeNull();
    expect(await support.codeExchangeKey()).toBeNull();
    expect(events.map((event) => event.type)).toEqual(['dpop-unavailable', 'dpop-unavailable']);
    expect(console.warn).toHaveBeenCalled();
  });

  it('falls back to Bearer when IndexedDB refuses to store the key (a private mode)', async () => {
    spyOn(console, 'warn');
    // Rejected when called, not made rejected up front: set-up awaits imports first, and a
    // rejection nobody listens to yet is reported as unhandled.
    const keys = jasmine.createSpyObj<DpopKeyStore>('DpopKeyStore', ['prepareSignInKey']);
    keys.prepareSignInKey.and.callFake(() =>
      Promise.reject(new DOMException('no', 'InvalidStateError')),
    );
    const support = await setUp({ keys });
    expect(await support.prepareSignIn()).toBeNull();
    expect(events[0]).toEqual(
      jasmine.objectContaining({
        type: 'dpop-unavailable',
        reason: jasmine.stringContaining('InvalidStateError'),
      }),
    );
  });

  it('refuses to sign in when the configuration requires DPoP and the browser cannot keep a key', async () => {
    const support = await setUp({ keys: null, dpop: 'required' });
    await expectAsync(support.prepareSignIn()).toBeRejectedWithError(LoginError, /requires DPoP/);
    await expectAsync(support.codeExchangeKey()).toBeRejectedWithError(LoginError);
    expect(events).toEqual([]);
  });

  it('refuses to sign in when the configuration requires DPoP and the provider does not offer it', async () => {
    const support = await setUp({
      keys: workingKeys(),
      dpop: 'required',
      metadata: { ...ADVERTISING, dpopSigningAlgValuesSupported: undefined },
    });
    await expectAsync(support.prepareSignIn()).toBeRejectedWithError(
      LoginError,
      /dpop_signing_alg_values_supported/,
    );
  });

  describe('with a key per sign-in attempt (IndexedDB in this browser)', () => {
    let dbName: string;
    let stores: DpopKeyStore[];

    const newStore = () => {
      const store = new DpopKeyStore({ indexedDB, locks: navigator.locks, dbName });
      stores.push(store);
      return store;
    };

    beforeEach(() => {
      dbName = `oidc-session.dpop-test-${crypto.randomUUID()}`;
      stores = [];
    });

    afterEach(async () => {
      stores.forEach((store) => store.close());
      await new Promise<void>((resolve) => {
        const request = indexedDB.deleteDatabase(dbName);
        request.onsuccess = request.onerror = request.onblocked = () => resolve();
      });
    });

    /** Another tab's completed sign-in: the key its live session is bound to. */
    async function liveSessionKey(): Promise<string> {
      const other = newStore();
      return (await other.adoptSignInKey((await other.prepareSignInKey()).id))!.id;
    }

    it("leaves the key of another tab's live session alone when a sign-in starts and is abandoned", async () => {
      const live = await liveSessionKey();
      const support = await setUp({ keys: newStore() });
      const attempt = await support.prepareSignIn();
      expect(attempt?.id).not.toBe(live);
      // The user leaves the provider's page: nothing else happens in this tab.
      expect((await newStore().read())?.id)
        .withContext('the shared key')
        .toBe(live);
    });

    it("proves the code exchange with the attempt's key, which becomes the shared key on adoption", async () => {
      const live = await liveSessionKey();
      const keys = newStore();
      const support = await setUp({ keys });
      const attempt = await support.prepareSignIn();
      expect((await support.codeExchangeKey())?.id).toBe(attempt!.id);
      expect((await newStore().read())?.id)
        .withContext('not before adoption')
        .toBe(live);
      await support.adoptSignInKey();
      expect((await newStore().read())?.id).toBe(attempt!.id);
      expect(await keys.signInKeyIds()).toEqual([]);
    });

    it("proves with a new key of the attempt's own when the prepared one is gone", async () => {
      const live = await liveSessionKey();
      const keys = newStore();
      const support = await setUp({ keys });
      const attempt = await support.prepareSignIn();
      await keys.dropSignInKey(attempt!.id);
      const proving = await support.codeExchangeKey();
      expect(proving?.id).not.toBe(attempt!.id);
      expect(proving?.id).not.toBe(live);
      await support.adoptSignInKey();
      expect((await newStore().read())?.id).toBe(proving!.id);
    });

    it("drops this tab's earlier attempt's key when it starts a sign-in again", async () => {
      const keys = newStore();
      const support = await setUp({ keys });
      await support.prepareSignIn();
      const again = await support.prepareSignIn();
      await expectAsync(keys.signInKeyIds()).toBeResolvedTo([again!.id]);
    });

    it("drops a failed sign-in's key and keeps the shared one", async () => {
      const live = await liveSessionKey();
      const keys = newStore();
      const support = await setUp({ keys });
      await support.prepareSignIn();
      support.abandonSignInKey();
      await expectAsync(support.adoptSignInKey()).toBeRejectedWithError(LoginError, /gone/);
      expect(await keys.signInKeyIds()).toEqual([]);
      expect((await newStore().read())?.id).toBe(live);
    });
  });
});
