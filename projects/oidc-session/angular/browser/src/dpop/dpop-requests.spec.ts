import { HttpClient, HttpHeaders, provideHttpClient, withInterceptors } from '@angular/common/http';
import {
  HttpTestingController,
  TestRequest,
  provideHttpClientTesting,
} from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';

import {
  authInterceptor,
  ɵMemoryStorage as MemoryStorage,
  ɵTOKENS_KEY as TOKENS_KEY,
  ɵSessionState as SessionState,
} from '@oidc-session/angular';
import {
  AuthTestingController,
  FakeClock,
  ɵFakeOidcClient as FakeOidcClient,
  provideAuthTesting,
  tokenResponse,
} from '@oidc-session/angular/testing';
import { DPOP_KEY_STORE, DpopKeyStore } from './dpop-key-store';

const API = 'http://localhost:3000';
const TOKEN_URL = 'https://issuer.example.test/token';

interface ProofClaims {
  readonly htm: string;
  readonly htu: string;
  readonly jti: string;
  readonly iat: number;
  readonly nonce?: string;
  readonly ath?: string;
}

function claimsOf(request: TestRequest): ProofClaims {
  const proof = request.request.headers.get('DPoP');
  if (!proof) throw new Error('the request carries no DPoP proof');
  const payload = proof.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
  return JSON.parse(atob(payload)) as ProofClaims;
}

async function sha256(text: string): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)),
  );
  return btoa(String.fromCharCode(...digest))
    .replace(/=+$/, '')
    .replace(/\+/g, '-')
    .replace(/\//g, '_');
}

/** A signed-in DPoP set as an earlier page load stored it (`bearer`: a Bearer one). */
function storedSet(clock: FakeClock, { bearer = false } = {}): MemoryStorage {
  const storage = new MemoryStorage();
  const tokens: SessionState = {
    canRefresh: true,
    heldBy: 'tab',
    credentials: {
      accessToken: 'dpop-access-0',
      refreshToken: 'dpop-refresh-0',
      idToken: null,
      tokenType: bearer ? null : 'DPoP',
    },
    claims: { sub: 'alice' },
    receivedAt: clock.now(),
    expiresAt: clock.now() + 300_000,
    generation: 1,
    epoch: 0,
  };
  storage.setItem(TOKENS_KEY, JSON.stringify(tokens));
  return storage;
}

// DPoP proofs come from the one interceptor the app registers: authInterceptor hands browser
// mode's backend every request, and the backend proves its token requests and DPoP API calls.
describe('DPoP through authInterceptor', () => {
  let http: HttpClient;
  let backend: HttpTestingController;
  let kit: AuthTestingController;
  let keys: DpopKeyStore;
  let dbName: string;

  async function setUp(stored: { bearer?: boolean } = {}, config: Record<string, unknown> = {}) {
    const clock = new FakeClock();
    const oidc = new FakeOidcClient();
    Object.assign(oidc, {
      metadata: { ...oidc.metadata, dpopSigningAlgValuesSupported: ['ES256'] },
    });
    dbName = `oidc-session.dpop-test-${crypto.randomUUID()}`;
    keys = new DpopKeyStore({ indexedDB, locks: navigator.locks, dbName });
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(withInterceptors([authInterceptor])),
        provideHttpClientTesting(),
        provideRouter([]),
        provideAuthTesting({
          tokenEndpoint: 'http',
          apis: [{ origin: API, pathPrefix: '/api' }],
          clock,
          oidcClient: oidc,
          sessionStorage: storedSet(clock, stored),
          config,
        }),
        { provide: DPOP_KEY_STORE, useValue: keys },
      ],
    });
    http = TestBed.inject(HttpClient);
    backend = TestBed.inject(HttpTestingController);
    kit = TestBed.inject(AuthTestingController);
    await kit.ready();
    // The key of a sign-in that completed: the one the stored set is bound to.
    await keys.adoptSignInKey((await keys.prepareSignInKey()).id);
  }

  /** Proofs are signed asynchronously (WebCrypto): waits until `count` requests are out. */
  async function sent(url: string, count = 1): Promise<TestRequest[]> {
    for (let waited = 0; waited < 2_000; waited += 5) {
      const requests = backend.match((request) => request.url.split('?')[0] === url);
      if (requests.length >= count) return requests;
      requests.forEach(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    throw new Error(`expected ${count} request(s) to ${url}`);
  }

  afterEach(async () => {
    backend.verify();
    keys.close();
    await new Promise<void>((resolve) => {
      const request = indexedDB.deleteDatabase(dbName);
      request.onsuccess = request.onerror = request.onblocked = () => resolve();
    });
  });

  const nonceChallenge = (status: 400 | 401, nonce: string) => ({
    status,
    statusText: status === 400 ? 'Bad Request' : 'Unauthorized',
    headers: new HttpHeaders(
      status === 400
        ? { 'DPoP-Nonce': nonce }
        : { 'DPoP-Nonce': nonce, 'WWW-Authenticate': 'DPoP error="use_dpop_nonce", algs="ES256"' },
    ),
  });

  it('sends a DPoP set as `Authorization: DPoP` with a proof of htm, htu without the query, and ath', async () => {
    await setUp();
    let body: unknown;
    http.get(`${API}/api/items?page=2#top`).subscribe((value) => (body = value));
    const [request] = await sent(`${API}/api/items`);
    expect(request.request.headers.get('Authorization')).toBe('DPoP dpop-access-0');
    const claims = claimsOf(request);
    expect(claims.htm).toBe('GET');
    expect(claims.htu).toBe(`${API}/api/items`);
    expect(claims.ath).toBe(await sha256('dpop-access-0'));
    expect(claims.nonce).toBeUndefined();
    request.flush({ ok: true });
    expect(body).toEqual({ ok: true });
  });

  it('gives every request a proof of its own', async () => {
    await setUp();
    http.get(`${API}/api/a`).subscribe();
    http.get(`${API}/api/a`).subscribe();
    const requests = await sent(`${API}/api/a`, 2);
    expect(claimsOf(requests[0]).jti).not.toBe(claimsOf(requests[1]).jti);
    requests.forEach((request) => request.flush({}));
  });

  it("answers the API's use_dpop_nonce with one retry carrying the nonce and a fresh proof, without a refresh", async () => {
    await setUp();
    let body: unknown;
    http.get(`${API}/api/me`).subscribe((value) => (body = value));
    const [first] = await sent(`${API}/api/me`);
    const firstJti = claimsOf(first).jti;
    first.flush({ error: 'use_dpop_nonce' }, nonceChallenge(401, 'api-nonce-1'));
    const [retry] = await sent(`${API}/api/me`);
    expect(claimsOf(retry).nonce).toBe('api-nonce-1');
    expect(claimsOf(retry).jti).not.toBe(firstJti);
    retry.flush({ me: true });
    expect(body).toEqual({ me: true });
    expect(backend.match(TOKEN_URL).length).withContext('a nonce is no reason to refresh').toBe(0);

    // The nonce is kept for that origin: the next proof carries it at once.
    http.get(`${API}/api/me`).subscribe();
    const [next] = await sent(`${API}/api/me`);
    expect(claimsOf(next).nonce).toBe('api-nonce-1');
    next.flush({}, { headers: new HttpHeaders({ 'DPoP-Nonce': 'api-nonce-2' }) });
    http.get(`${API}/api/me`).subscribe();
    const [after] = await sent(`${API}/api/me`);
    expect(claimsOf(after).nonce).withContext('a 200 may carry a newer nonce').toBe('api-nonce-2');
    after.flush({});
  });

  it('answers a refused DPoP token (invalid_token) with one refresh, proved, and a retry with the new token', async () => {
    await setUp();
    let body: unknown;
    http.get(`${API}/api/me`).subscribe((value) => (body = value));
    const [first] = await sent(`${API}/api/me`);
    first.flush(null, {
      status: 401,
      statusText: 'Unauthorized',
      headers: new HttpHeaders({ 'WWW-Authenticate': 'DPoP error="invalid_token"' }),
    });
    const [refresh] = await sent(TOKEN_URL);
    const claims = claimsOf(refresh);
    expect(claims.htm).toBe('POST');
    expect(claims.htu).toBe(TOKEN_URL);
    expect(claims.ath).withContext('a token request proves no access token').toBeUndefined();
    refresh.flush(JSON.stringify(tokenResponse({ token_type: 'DPoP' })));
    const [retry] = await sent(`${API}/api/me`);
    expect(retry.request.headers.get('Authorization')).toBe('DPoP fresh-access-token-1');
    expect(claimsOf(retry).ath).toBe(await sha256('fresh-access-token-1'));
    retry.flush({ me: 1 });
    expect(body).toEqual({ me: 1 });
    expect(kit.accessToken).toBe('fresh-access-token-1');
  });

  it("retries a refresh once on the provider's use_dpop_nonce with a fresh proof carrying the nonce", async () => {
    await setUp();
    kit.expire();
    http.get(`${API}/api/me`).subscribe();
    const [first] = await sent(TOKEN_URL);
    first.flush(JSON.stringify({ error: 'use_dpop_nonce' }), nonceChallenge(400, 'idp-nonce-1'));
    const [retry] = await sent(TOKEN_URL);
    expect(claimsOf(retry).nonce).toBe('idp-nonce-1');
    expect(claimsOf(retry).jti).not.toBe(claimsOf(first).jti);
    expect(retry.request.body).toBe(first.request.body);
    retry.flush(JSON.stringify(tokenResponse({ token_type: 'DPoP' })));
    const [api] = await sent(`${API}/api/me`);
    expect(api.request.headers.get('Authorization')).toBe('DPoP fresh-access-token-1');
    api.flush({});
  });

  it('ends the session when a DPoP set must refresh and the key is gone (signed out elsewhere)', async () => {
    await setUp();
    await keys.delete();
    kit.expire();
    let failure: unknown;
    http.get(`${API}/api/me`).subscribe({ error: (error: unknown) => (failure = error) });
    for (let waited = 0; waited < 1_000 && !failure; waited += 5) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(backend.match(TOKEN_URL).length).withContext('no refresh token without its key').toBe(0);
    expect(failure).toBeDefined();
    expect(kit.accessToken).toBeNull();
  });

  it('leaves a Bearer set as it was: Bearer header, no proof, refresh without a proof', async () => {
    await setUp({ bearer: true });
    http.get(`${API}/api/me`).subscribe();
    const request = backend.expectOne(`${API}/api/me`);
    expect(request.request.headers.get('Authorization')).toBe('Bearer dpop-access-0');
    expect(request.request.headers.has('DPoP')).toBeFalse();
    request.flush({});

    kit.expire();
    http.get(`${API}/api/me`).subscribe();
    const [refresh] = await sent(TOKEN_URL);
    expect(refresh.request.headers.has('DPoP')).toBeFalse();
    refresh.flush(JSON.stringify(tokenResponse()));
    const [api] = await sent(`${API}/api/me`);
    expect(api.request.headers.get('Authorization')).toBe('Bearer fresh-access-token-1');
    api.flush({});
  });

  it('proves the code exchange when the provider advertises ES256, and not when the configuration says off', async () => {
    await setUp();
    const body = 'grant_type=authorization_code&code=c&code_verifier=v';
    http.post(TOKEN_URL, body).subscribe();
    const [exchange] = await sent(TOKEN_URL);
    expect(claimsOf(exchange).htu).toBe(TOKEN_URL);
    exchange.flush({});

    TestBed.resetTestingModule();
    keys.close();
    await setUp({}, { dpop: 'off' });
    http.post(TOKEN_URL, body).subscribe();
    const [plain] = await sent(TOKEN_URL);
    expect(plain.request.headers.has('DPoP')).toBeFalse();
    plain.flush({});
  });
});
