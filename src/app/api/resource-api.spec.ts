// An example for application developers: unit-testing your own HttpClient service and your
// guarded routes with the testing kit. The real authInterceptor and authGuard run; the provider
// is replaced by a scripted token endpoint and the clock is yours to move.
import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { Component } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { RouterTestingHarness } from '@angular/router/testing';
import { firstValueFrom } from 'rxjs';

import { authGuard, authInterceptor, ProviderUnreachableError, SessionExpiredError } from '../auth';
import { AuthTestingController, AuthTestingOptions, provideAuthTesting } from '../auth/testing';
import { ResourceApi } from './resource-api';

const API = 'https://api.example.test';

@Component({ selector: 'app-profile-stub', template: '<p>profile page</p>' })
class ProfileStub {}

@Component({ selector: 'app-login-stub', template: '<p>login page</p>' })
class LoginStub {}

describe('ResourceApi with the auth testing kit (example)', () => {
  let api: ResourceApi;
  let backend: HttpTestingController;
  let kit: AuthTestingController;

  async function setUp(options: AuthTestingOptions = {}): Promise<void> {
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(withInterceptors([authInterceptor])),
        provideHttpClientTesting(),
        provideRouter([
          { path: 'profile', canActivate: [authGuard], component: ProfileStub },
          { path: 'login', component: LoginStub },
        ]),
        provideAuthTesting({ apis: [{ origin: API, pathPrefix: '/api' }], ...options }),
      ],
    });
    api = TestBed.inject(ResourceApi);
    backend = TestBed.inject(HttpTestingController);
    kit = TestBed.inject(AuthTestingController);
    await kit.ready();
  }

  afterEach(() => backend.verify());

  it("sends the signed-in user's access token", async () => {
    await setUp();
    const me = firstValueFrom(api.me());
    const request = backend.expectOne(`${API}/api/me`);
    expect(request.request.headers.get('Authorization')).toBe('Bearer access-token-0');
    request.flush({ sub: 'alice', name: 'Alice Liddell' });
    expect((await me).name).toBe('Alice Liddell');
  });

  it('refreshes once the access token has expired, before the request goes out', async () => {
    await setUp();
    kit.expire();
    const me = firstValueFrom(api.me());
    await kit.settle();
    backend.expectOne(`${API}/api/me`).flush({ sub: 'alice', name: 'Alice Liddell' });
    await me;
    expect(kit.refreshCount).toBe(1);
    expect(kit.accessToken).toBe('access-token-1');
  });

  it('fails with a typed error when the provider rejects the refresh token', async () => {
    await setUp();
    kit.expire();
    kit.respondToRefresh('invalid_grant');
    await expectAsync(firstValueFrom(api.me())).toBeRejectedWith(jasmine.any(SessionExpiredError));
    expect(kit.accessToken).toBeNull();
  });

  it('fails only the request, keeping the session, when the provider is unreachable', async () => {
    await setUp();
    kit.expire();
    kit.respondToRefresh('network-error');
    await expectAsync(firstValueFrom(api.me())).toBeRejectedWith(
      jasmine.any(ProviderUnreachableError),
    );
    expect(kit.accessToken).toBe('access-token-0');
  });

  it('guards the profile route: signed out, the user lands on the login page', async () => {
    await setUp({ signedIn: false });
    const harness = await RouterTestingHarness.create();
    await harness.navigateByUrl('/profile');
    expect(harness.routeNativeElement?.textContent).toContain('login page');
  });

  it('guards the profile route: signed in with an expired token, one refresh and the user is in', async () => {
    await setUp();
    kit.expire();
    const harness = await RouterTestingHarness.create();
    await harness.navigateByUrl('/profile');
    expect(harness.routeNativeElement?.textContent).toContain('profile page');
    expect(kit.refreshCount).toBe(1);
  });
});
