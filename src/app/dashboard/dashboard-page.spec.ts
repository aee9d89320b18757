import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';

import { authInterceptor } from '@oidc-session/angular';
import { AuthTestingController, provideAuthTesting, TEST_API } from '@oidc-session/angular/testing';
import { DashboardPage } from './dashboard-page';

describe('DashboardPage', () => {
  let backend: HttpTestingController;

  beforeEach(async () => {
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(withInterceptors([authInterceptor])),
        provideHttpClientTesting(),
        provideRouter([]),
        provideAuthTesting({ apis: [{ origin: TEST_API.origin, pathPrefix: '/api' }] }),
      ],
    });
    backend = TestBed.inject(HttpTestingController);
    await TestBed.inject(AuthTestingController).ready();
  });

  afterEach(() => backend.verify());

  const states = (element: HTMLElement) =>
    [...element.querySelectorAll('[data-testid="widget"]')].map(
      (w) => (w as HTMLElement).dataset['state'],
    );

  it('fetches its six resources in parallel and renders each one as it arrives', async () => {
    const fixture = TestBed.createComponent(DashboardPage);
    await fixture.whenStable();
    const requests = backend.match((request) =>
      request.url.startsWith(`${TEST_API.origin}/api/dashboard/`),
    );
    expect(requests.length).withContext('all six are in flight before any answer').toBe(6);
    expect(states(fixture.nativeElement)).toEqual(Array(6).fill('loading'));

    requests[0].flush({
      resource: 'weather',
      title: 'Weather',
      summary: 'Mild',
      items: [{ label: 'Now', value: '18 °C' }],
      subject: 'alice',
      generatedAt: '2026-01-01T09:00:00Z',
    });
    requests[1].flush(null, { status: 500, statusText: 'Server Error' });
    await fixture.whenStable();
    expect(states(fixture.nativeElement)).toEqual([
      'loaded',
      'error',
      'loading',
      'loading',
      'loading',
      'loading',
    ]);
    expect(fixture.nativeElement.textContent).toContain('Now: 18 °C');
    expect(fixture.nativeElement.textContent).toContain('The API answered 500.');

    // Reload: the four still in flight are superseded, six new requests go out at once.
    (fixture.nativeElement.querySelector('button') as HTMLButtonElement).click();
    await fixture.whenStable();
    expect(requests.slice(2).every((request) => request.cancelled)).toBeTrue();
    expect(backend.match(() => true).length).toBe(6);
  });
});
