// The testing kit as an app's own specs use it. Written with nothing but describe/it/expect and
// matchers Jasmine and Vitest share, because it runs under both: Karma + Jasmine with the rest
// of the library's specs, and Vitest (Angular 21's default runner) in the `test-vitest` target.
import { HttpClient, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { firstValueFrom } from 'rxjs';

import { AuthService, authInterceptor } from '@oidc-session/angular';
import { AuthTestingController, TEST_API, provideAuthTesting } from '@oidc-session/angular/testing';

const ITEMS = `${TEST_API.origin}/items`;

for (const mode of ['browser', 'bff'] as const) {
  describe(`the testing kit in ${mode} mode`, () => {
    let kit: AuthTestingController;
    let http: HttpClient;
    let api: HttpTestingController;

    beforeEach(async () => {
      TestBed.configureTestingModule({
        providers: [
          provideHttpClient(withInterceptors([authInterceptor])),
          provideHttpClientTesting(),
          provideRouter([]),
          provideAuthTesting({ mode }),
        ],
      });
      kit = TestBed.inject(AuthTestingController);
      http = TestBed.inject(HttpClient);
      api = TestBed.inject(HttpTestingController);
      await kit.ready();
    });

    afterEach(() => api.verify());

    it('starts signed in, and the session says who', async () => {
      const session = await firstValueFrom(TestBed.inject(AuthService).session$);
      expect(kit.signedIn).toBe(true);
      expect(session?.claims.sub).toBe('alice');
    });

    it('refreshes once for requests made after expiry, then sends them', async () => {
      kit.expire();
      const answers = [1, 2, 3].map(() => firstValueFrom(http.get(ITEMS)));
      await kit.settle();
      const requests = api.match(ITEMS);
      expect(requests.length).toBe(3);
      expect(kit.refreshCount).toBe(1);
      const credential =
        mode === 'browser'
          ? requests[0].request.headers.get('Authorization')
          : requests[0].request.headers.get('X-BFF-CSRF');
      expect(credential).toBe(mode === 'browser' ? `Bearer ${kit.accessToken}` : '1');
      for (const request of requests) request.flush({ ok: true });
      expect(await Promise.all(answers)).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    });
  });
}
