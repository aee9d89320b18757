import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';

import { EnvironmentInjector } from '@angular/core';

import { CLOCK, LoginError, ɵPAGE_NAVIGATION as PAGE_NAVIGATION } from '@oidc-session/angular';
import { FakeClock } from '@oidc-session/angular/testing';
import { BrowserAuthConfig } from '../browser-config';
import { tokensOf } from '../browser-credentials';
import { LibrarySignIn, LibraryScratchStorage, createLibrarySignIn } from './library-sign-in';
import { DpopCodeExchange } from '../dpop';

const ISSUER = 'https://op.example.test';

/** A validated browser-mode configuration with these authorization parameters. */
function browserConfig(authorizeParams: Record<string, string>): BrowserAuthConfig {
  return {
    mode: 'browser',
    issuer: ISSUER,
    clientId: 'spa',
    scope: 'openid',
    apis: [],
    redirectPath: '/',
    postLogoutPath: '/',
    leewaySeconds: null,
    stepUp: 'manual',
    sessionWarningSeconds: 60,
    idleTimeoutSeconds: null,
    maxSessionSeconds: null,
    storage: 'session',
    authorizeParams,
    strictDiscovery: true,
    dpop: 'auto',
  };
}

describe('LibrarySignIn.completeLogin', () => {
  let client: LibrarySignIn;
  let scratch: LibraryScratchStorage;
  let backend: HttpTestingController;
  const NONCE = 'nonce-of-this-tab';

  async function setUp(issParameter = false, clock = new FakeClock()): Promise<void> {
    TestBed.configureTestingModule({
      providers: [
        { provide: CLOCK, useValue: clock },
        provideHttpClient(),
        provideHttpClientTesting(),
        { provide: PAGE_NAVIGATION, useValue: () => undefined },
      ],
    });
    backend = TestBed.inject(HttpTestingController);
    const config = browserConfig({});
    client = createLibrarySignIn(TestBed.inject(EnvironmentInjector), config, {
      issuer: ISSUER,
      authorizationEndpoint: `${ISSUER}/auth`,
      tokenEndpoint: `${ISSUER}/token`,
      revocationEndpoint: null,
      endSessionEndpoint: null,
      authorizationResponseIssParameterSupported: issParameter,
    });
    // What the library stored when this tab left for the provider (its storage is in the
    // sign-in's own injector, so it is reached through the client).
    scratch = (client as unknown as { scratch: LibraryScratchStorage }).scratch;
    scratch.setItem('nonce', NONCE);
    scratch.setItem('PKCE_verifier', 'verifier');
  }

  afterEach(() => {
    backend.verify();
    scratch.clear();
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
    await setUp(true);
    const error = await failure(
      `?code=c&state=${NONCE}&iss=${encodeURIComponent('https://attacker.example')}`,
    );
    expect(error.message).toContain('another issuer');
    backend.expectNone(`${ISSUER}/token`);
  });

  it('refuses an answer without iss from a provider that promises one', async () => {
    await setUp(true);
    const error = await failure(`?code=c&state=${NONCE}`);
    expect(error.message).toContain('has none');
    backend.expectNone(`${ISSUER}/token`);
  });

  it('goes on to the code exchange when iss names the configured issuer', async () => {
    await setUp(true);
    const result = failure(`?code=c&state=${NONCE}&iss=${encodeURIComponent(ISSUER)}`);
    await new Promise((resolve) => setTimeout(resolve));
    backend
      .expectOne(`${ISSUER}/token`)
      .flush({ error: 'invalid_grant' }, { status: 400, statusText: 'Bad Request' });
    expect((await result).message).toContain('code exchange failed: invalid_grant');
  });

  describe('whatever the device clock says', () => {
    const PROVIDER_NOW = Date.UTC(2026, 10, 25, 12, 0, 0);
    const HOUR = 3_600_000;
    const offsets: [string, number][] = [
      ['24 h behind', -24 * HOUR],
      ['90 min behind', -1.5 * HOUR],
      ['5 min behind', -5 * 60_000],
      ['5 min ahead', 5 * 60_000],
      ['90 min ahead', 1.5 * HOUR],
      ['24 h ahead', 24 * HOUR],
    ];

    /** An (unsigned) ID token as the provider issues it now, with these claims changed. */
    function idToken(claims: Record<string, unknown> = {}): string {
      const encode = (value: unknown) =>
        btoa(JSON.stringify(value)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
      const iat = PROVIDER_NOW / 1000;
      return `${encode({ alg: 'RS256' })}.${encode({
        iss: ISSUER,
        aud: 'spa',
        sub: 'alice',
        nonce: NONCE,
        iat,
        exp: iat + 300,
        ...claims,
      })}.signature`;
    }

    /** Signs in with the device clock `offset` off, the code exchange answered with `id`. */
    async function signInWith(offset: number, id: string, tokenType = 'Bearer') {
      await setUp(false, new FakeClock(PROVIDER_NOW + offset));
      const result = client.completeLogin(`?code=c&state=${NONCE}`).then(
        (login) => ({ login, error: undefined as unknown }),
        (error: unknown) => ({ login: undefined, error }),
      );
      await new Promise((resolve) => setTimeout(resolve));
      backend.expectOne(`${ISSUER}/token`).flush({
        access_token: 'access',
        token_type: tokenType,
        expires_in: 300,
        refresh_token: 'refresh',
        id_token: id,
      });
      return result;
    }

    it('keeps token_type DPoP when the code exchange carried a proof, and refuses it otherwise', async () => {
      spyOn(console, 'error');
      const proved = spyOn(DpopCodeExchange.prototype, 'wasProved');
      proved.and.returnValue(true);
      const bound = await signInWith(0, idToken(), 'DPoP');
      expect(bound.error).toBeUndefined();
      expect(tokensOf(bound.login!.tokens).tokenType).toBe('DPoP');

      TestBed.resetTestingModule();
      const bearer = await signInWith(0, idToken(), 'Bearer');
      expect(tokensOf(bearer.login!.tokens).tokenType).toBeNull();

      TestBed.resetTestingModule();
      proved.and.returnValue(false);
      const unproved = await signInWith(0, idToken(), 'DPoP');
      expect(unproved.error).toBeInstanceOf(LoginError);
      expect((unproved.error as LoginError).message).toContain('expected Bearer');
    });

    for (const [label, offset] of offsets) {
      it(`accepts the ID token with the device clock ${label}, and reckons expiry from receipt`, async () => {
        spyOn(console, 'error'); // the library logs a rejected token; none is expected here
        const { login, error } = await signInWith(offset, idToken());
        expect(error).toBeUndefined();
        expect(login!.tokens.expiresAt - login!.tokens.receivedAt).toBe(300_000);
        expect(login!.tokens.receivedAt).toBe(PROVIDER_NOW + offset);
        expect(login!.tokens.providerClockOffsetMs).toBe(-offset);
      });

      for (const [refusal, claims] of [
        ['a wrong nonce', { nonce: 'another-nonce' }],
        ['another issuer', { iss: 'https://attacker.example' }],
        ['another audience', { aud: 'someone-else' }],
        [
          'one replayed from an earlier sign-in',
          {
            nonce: 'nonce-of-an-earlier-sign-in',
            iat: PROVIDER_NOW / 1000 - 3600,
            exp: PROVIDER_NOW / 1000 - 3300,
          },
        ],
      ] as const) {
        it(`refuses ${refusal} with the device clock ${label}`, async () => {
          spyOn(console, 'error');
          const { error } = await signInWith(offset, idToken(claims));
          expect(error).toBeInstanceOf(LoginError);
        });
      }
    }
  });
});

describe('LibrarySignIn.startLogin', () => {
  let navigations: string[];

  function signIn(authorizeParams: Record<string, string>): LibrarySignIn {
    navigations = [];
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(),
        provideHttpClientTesting(),
        { provide: PAGE_NAVIGATION, useValue: (url: string) => navigations.push(url) },
      ],
    });
    const config = browserConfig(authorizeParams);
    return createLibrarySignIn(TestBed.inject(EnvironmentInjector), config, {
      issuer: ISSUER,
      authorizationEndpoint: `${ISSUER}/auth`,
      tokenEndpoint: `${ISSUER}/token`,
      revocationEndpoint: null,
      endSessionEndpoint: null,
      authorizationResponseIssParameterSupported: false,
    });
  }

  /** The authorization request the page left for (the library builds it asynchronously). */
  async function authorizationRequest(): Promise<URLSearchParams> {
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(navigations.length).toBe(1);
    return new URL(navigations[0]!).searchParams;
  }

  it("a step-up's acr_values and max_age take the place of configured ones, each sent once", async () => {
    const client = signIn({ acr_values: 'urn:demo:pwd', ui_locales: 'en' });
    client.startLogin('/payments', { acrValues: 'urn:demo:otp', maxAge: 300 });
    const query = await authorizationRequest();
    expect(query.getAll('acr_values')).toEqual(['urn:demo:otp']);
    expect(query.getAll('max_age')).toEqual(['300']);
    expect(query.getAll('ui_locales')).toEqual(['en']);
  });

  it('an ordinary sign-in sends the configured parameters only', async () => {
    const client = signIn({ acr_values: 'urn:demo:pwd' });
    client.startLogin('/dashboard');
    const query = await authorizationRequest();
    expect(query.getAll('acr_values')).toEqual(['urn:demo:pwd']);
    expect(query.has('max_age')).toBeFalse();
  });
});
