import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { DOCUMENT } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';

import { AuthService } from '../../auth-service';
import { authInterceptor } from '../../auth-interceptor';
import { AuthTestingController, provideAuthTesting, settle } from '@oidc-session/angular/testing';

const REVOCATION_URL = 'https://issuer.example.test/token/revocation';
const END_SESSION = 'https://issuer.example.test/session/end?';

/**
 * One sign-out rule for the provider side: the session ends at once in every tab; revocation
 * is best effort; the page then goes to the provider's end-session endpoint whenever it knows
 * it, and stays in the app (saying so) only when the provider cannot have heard at all.
 */
describe('signing out at the provider', () => {
  let auth: AuthService;
  let kit: AuthTestingController;
  let backend: HttpTestingController;

  async function setUp(online = true): Promise<void> {
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(withInterceptors([authInterceptor])),
        provideHttpClientTesting(),
        provideRouter([]),
        provideAuthTesting({ tokenEndpoint: 'http', timing: { revocationTimeoutMs: 30 } }),
      ],
    });
    spyOnProperty(TestBed.inject(DOCUMENT).defaultView!.navigator, 'onLine').and.returnValue(
      online,
    );
    auth = TestBed.inject(AuthService);
    kit = TestBed.inject(AuthTestingController);
    backend = TestBed.inject(HttpTestingController);
    await kit.ready();
  }

  afterEach(() => backend.verify());

  /** Signs out while the revocation request gets `answer`; resolves when the page has left. */
  async function signOutWhileRevocation(
    answer: (request: ReturnType<typeof backend.expectOne>) => void,
  ) {
    const done = auth.logout();
    expect(kit.accessToken).withContext('the session ends before the provider answers').toBeNull();
    await settle();
    answer(backend.expectOne(REVOCATION_URL));
    await done;
  }

  it('goes to the end-session page after a successful revocation', async () => {
    await setUp();
    await signOutWhileRevocation((request) => request.flush(''));
    expect(kit.pageNavigations).toEqual([jasmine.stringContaining(END_SESSION)]);
    // Kept for the page the provider sends the user back to, which says "You are signed out".
    expect(auth.signOutNotice()).toBe('complete');
  });

  it('still goes to the end-session page when revocation answers 503', async () => {
    await setUp();
    await signOutWhileRevocation((request) =>
      request.flush('', { status: 503, statusText: 'Service Unavailable' }),
    );
    expect(kit.pageNavigations).toEqual([jasmine.stringContaining(END_SESSION)]);
  });

  it('still goes to the end-session page when revocation times out', async () => {
    await setUp();
    const done = auth.logout();
    await settle();
    const request = backend.expectOne(REVOCATION_URL);
    await done; // the 30 ms timeout passes without an answer
    expect(request.cancelled).toBeTrue();
    expect(kit.pageNavigations).toEqual([jasmine.stringContaining(END_SESSION)]);
  });

  it('stays in the app and says the provider session may be open when revocation gets no answer at all', async () => {
    await setUp();
    await signOutWhileRevocation((request) => request.error(new ProgressEvent('error')));
    expect(kit.pageNavigations).toEqual([`${location.origin}/`]);
    expect(auth.signOutNotice()).toBe('provider_unreachable');
  });

  it('stays in the app without trying the provider when the browser is offline', async () => {
    await setUp(false);
    await auth.logout();
    backend.expectNone(REVOCATION_URL);
    expect(kit.accessToken).toBeNull();
    expect(kit.pageNavigations).toEqual([`${location.origin}/`]);
    expect(auth.signOutNotice()).toBe('provider_unreachable');
  });
});
