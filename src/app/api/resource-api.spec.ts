// An example for application developers: unit-testing your own HttpClient service and your
// guarded routes with the testing kit, in both modes from one table. The real authInterceptor and
// authGuard run; the provider (or the BFF) is scripted and the clock is yours to move.
import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { Component } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { RouterTestingHarness } from '@angular/router/testing';
import { firstValueFrom } from 'rxjs';

import {
  authGuard,
  authInterceptor,
  ProviderUnreachableError,
  SessionExpiredError,
} from '@oidc-session/angular';
import {
  AuthTestingController,
  AuthTestingOptions,
  provideAuthTesting,
} from '@oidc-session/angular/testing';
import { ResourceApi } from './resource-api';

const API = 'https://api.example.test';

@Component({ selector: 'app-profile-stub', template: '<p>profile page</p>' })
class ProfileStub {}

@Component({ selector: 'app-login-stub', template: '<p>login page</p>' })
class LoginStub {}

for (const mode of ['browser', 'bff'] as const) {
  describe(`ResourceApi with the auth testing kit, ${mode} mode (example)`, () => {
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
          provideAuthTesting({ mode, apis: [{ origin: API, pathPrefix: '/api' }], ...options }),
        ],
      });
      api = TestBed.inject(ResourceApi);
      backend = TestBed.inject(HttpTestingController);
      kit = TestBed.inject(AuthTestingController);
      await kit.ready();
    }

    afterEach(() => backend.verify());

    it("sends the session's credentials: the access token, or in bff mode only the CSRF header", async () => {
      await setUp();
      const me = firstValueFrom(api.me());
      const request = backend.expectOne(`${API}/api/me`);
      if (mode === 'browser') {
        expect(request.request.headers.get('Authorization')).toBe('Bearer access-token-0');
      } else {
        expect(request.request.headers.has('Authorization')).toBeFalse();
        expect(request.request.headers.get('X-BFF-CSRF')).toBe('1');
      }
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
      expect(kit.signedIn).toBeTrue();
    });

    it('fails with a typed error when the refresh is rejected for good', async () => {
      await setUp();
      kit.expire();
      kit.respondToRefresh('invalid_grant');
      await expectAsync(firstValueFrom(api.me())).toBeRejectedWith(
        jasmine.any(SessionExpiredError),
      );
      expect(kit.signedIn).toBeFalse();
    });

    it('fails only the request, keeping the session, when the provider is unreachable', async () => {
      await setUp();
      kit.expire();
      kit.respondToRefresh('network-error');
      await expectAsync(firstValueFrom(api.me())).toBeRejectedWith(
        jasmine.any(ProviderUnreachableError),
      );
      expect(kit.signedIn).toBeTrue();
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
}
