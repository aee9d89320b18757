import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';

import { AuthConfig, validateAuthConfig } from './auth-config';
import { AuthConfigError, LoginError, ProviderUnreachableError } from './auth-errors';
import { LibraryOidcClient, LibraryScratchStorage } from './library-oidc-client';
import { PAGE_NAVIGATION } from './page-navigation';
import { provideOAuthLibrary } from './provide-auth';

const ISSUER = 'https://op.example.test';
const DISCOVERY = `${ISSUER}/.well-known/openid-configuration`;

describe('LibraryOidcClient.discover', () => {
  let client: LibraryOidcClient;
  let backend: HttpTestingController;
  let config: AuthConfig;
  let redirects: string[];

  beforeEach(() => {
    redirects = [];
    config = validateAuthConfig({ issuer: ISSUER, clientId: 'spa', scope: 'openid', apis: [] });
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(),
        provideHttpClientTesting(),
        // Only the library's services, as provideAuth registers them; no start-up runs here.
        provideOAuthLibrary(),
        { provide: PAGE_NAVIGATION, useValue: (url: string) => redirects.push(url) },
      ],
    });
    client = TestBed.inject(LibraryOidcClient);
    backend = TestBed.inject(HttpTestingController);
  });

  afterEach(() => backend.verify());

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

  async function discover(
    answer: (request: ReturnType<HttpTestingController['expectOne']>) => void,
  ) {
    const result = client.discover(config).then(
      (metadata) => ({ metadata, error: undefined }),
      (error: unknown) => ({ metadata: undefined, error }),
    );
    answer(backend.expectOne(DISCOVERY));
    return result;
  }

  it('reads the endpoints the session layer needs', async () => {
    const { metadata } = await discover((r) => r.flush(document()));
    expect(metadata).toEqual({
      issuer: ISSUER,
      tokenEndpoint: `${ISSUER}/token`,
      revocationEndpoint: `${ISSUER}/token/revocation`,
      endSessionEndpoint: `${ISSUER}/session/end`,
      authorizationResponseIssParameterSupported: false,
    });
  });

  it('accepts a provider without revocation and end-session endpoints', async () => {
    const { metadata } = await discover((r) =>
      r.flush(document({ revocation_endpoint: undefined, end_session_endpoint: undefined })),
    );
    expect(metadata?.revocationEndpoint).toBeNull();
    expect(client.endSessionUrl('id', 'spa', 'https://app.test/')).toBeNull();
  });

  it('refuses a discovery document without a token endpoint, naming the issuer', async () => {
    const { error } = await discover((r) => r.flush(document({ token_endpoint: undefined })));
    expect(error).toBeInstanceOf(AuthConfigError);
    expect((error as AuthConfigError).field).toBe('issuer');
    expect((error as AuthConfigError).message).toContain('no token_endpoint');
  });

  it('refuses a document for another issuer', async () => {
    const { error } = await discover((r) => r.flush(document({ issuer: `${ISSUER}/other` })));
    expect((error as AuthConfigError).field).toBe('issuer');
  });

  it('refuses endpoints outside the issuer while strictDiscovery is on', async () => {
    const { error } = await discover((r) =>
      r.flush(document({ authorization_endpoint: 'https://elsewhere.test/auth' })),
    );
    expect((error as AuthConfigError).message).toContain('strictDiscovery');
  });

  it('reports a missing discovery document as a configuration error', async () => {
    const { error } = await discover((r) =>
      r.flush('not found', { status: 404, statusText: 'Not Found' }),
    );
    expect(error).toBeInstanceOf(AuthConfigError);
    expect((error as AuthConfigError).message).toContain('HTTP 404');
  });

  it('reports no answer and 5xx as an unreachable provider (start-up retries those)', async () => {
    const offline = await discover((r) => r.error(new ProgressEvent('error')));
    expect(offline.error).toBeInstanceOf(ProviderUnreachableError);
    const down = await discover((r) =>
      r.flush('', { status: 503, statusText: 'Service Unavailable' }),
    );
    expect((down.error as ProviderUnreachableError).status).toBe(503);
  });

  it('builds the end-session URL with id_token_hint, client_id and post_logout_redirect_uri', async () => {
    await discover((r) => r.flush(document()));
    const url = new URL(client.endSessionUrl('the-id-token', 'spa', 'https://app.test/')!);
    expect(url.origin + url.pathname).toBe(`${ISSUER}/session/end`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      id_token_hint: 'the-id-token',
      client_id: 'spa',
      post_logout_redirect_uri: 'https://app.test/',
    });
  });
});

describe('LibraryOidcClient.completeLogin', () => {
  let client: LibraryOidcClient;
  let backend: HttpTestingController;
  const NONCE = 'nonce-of-this-tab';

  async function setUp(discovery: Record<string, unknown> = {}): Promise<void> {
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(),
        provideHttpClientTesting(),
        provideOAuthLibrary(),
        { provide: PAGE_NAVIGATION, useValue: () => undefined },
      ],
    });
    client = TestBed.inject(LibraryOidcClient);
    backend = TestBed.inject(HttpTestingController);
    const config = validateAuthConfig({
      issuer: ISSUER,
      clientId: 'spa',
      scope: 'openid',
      apis: [],
    });
    const discovered = client.discover(config);
    backend.expectOne(DISCOVERY).flush({
      issuer: ISSUER,
      authorization_endpoint: `${ISSUER}/auth`,
      token_endpoint: `${ISSUER}/token`,
      ...discovery,
    });
    await discovered;
    // What the library stored when this tab left for the provider.
    const scratch = TestBed.inject(LibraryScratchStorage);
    scratch.setItem('nonce', NONCE);
    scratch.setItem('PKCE_verifier', 'verifier');
  }

  afterEach(() => {
    backend.verify();
    TestBed.inject(LibraryScratchStorage).clear();
  });

  async function failure(search: string): Promise<LoginError> {
    try {
      await client.completeLogin(search);
    } catch (error: unknown) {
      return error as LoginError;
    }
    throw new Error('completeLogin succeeded');
  }

  it('never repeats the text of a crafted link: a fixed sentence per known error code', async () => {
    await setUp();
    const error = await failure(
      '?error=access_denied&error_description=Call%20support%20at%20evil.example&state=forged',
    );
    expect(error).toBeInstanceOf(LoginError);
    expect(error.message).toContain('cancelled or refused at the provider (access_denied)');
    expect(error.message).not.toContain('evil.example');
  });

  it('names no unknown error code from a link', async () => {
    await setUp();
    const error = await failure('?error=%3Cb%3Ebuy-now%3C%2Fb%3E');
    expect(error.message).not.toContain('buy-now');
    expect(error.message).toContain('an error this app does not know');
  });

  it("adds the provider's description for a sign-in this tab started", async () => {
    await setUp();
    const error = await failure(
      `?error=access_denied&error_description=User%20cancelled&state=${NONCE}%3B%252Fdashboard`,
    );
    expect(error.message).toContain('The provider said: "User cancelled"');
  });

  it('refuses an answer naming another issuer before any code exchange (RFC 9207)', async () => {
    await setUp({ authorization_response_iss_parameter_supported: true });
    const error = await failure(
      `?code=c&state=${NONCE}&iss=${encodeURIComponent('https://attacker.example')}`,
    );
    expect(error.message).toContain('another issuer');
    backend.expectNone(`${ISSUER}/token`);
  });

  it('refuses an answer without iss from a provider that promises one', async () => {
    await setUp({ authorization_response_iss_parameter_supported: true });
    const error = await failure(`?code=c&state=${NONCE}`);
    expect(error.message).toContain('has none');
    backend.expectNone(`${ISSUER}/token`);
  });

  it('goes on to the code exchange when iss names the configured issuer', async () => {
    await setUp({ authorization_response_iss_parameter_supported: true });
    const result = failure(`?code=c&state=${NONCE}&iss=${encodeURIComponent(ISSUER)}`);
    await new Promise((resolve) => setTimeout(resolve));
    backend
      .expectOne(`${ISSUER}/token`)
      .flush({ error: 'invalid_grant' }, { status: 400, statusText: 'Bad Request' });
    expect((await result).message).toContain('code exchange failed: invalid_grant');
  });
});
