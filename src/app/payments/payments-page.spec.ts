import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';

import { authInterceptor } from '@oidc-session/angular';
import { AuthTestingController, provideAuthTesting, TEST_API } from '@oidc-session/angular/testing';
import { PaymentsPage } from './payments-page';

const PAYMENTS = `${TEST_API.origin}/api/payments`;
const CHALLENGE =
  'Bearer error="insufficient_user_authentication", acr_values="urn:demo:otp", max_age=300';

describe('PaymentsPage', () => {
  let backend: HttpTestingController;
  let kit: AuthTestingController;

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
    kit = TestBed.inject(AuthTestingController);
    await kit.ready();
  });

  afterEach(() => backend.verify());

  const button = (element: HTMLElement) =>
    [...element.querySelectorAll('button')].find((b) => b.textContent?.includes("Verify it's you"));

  it('offers "Verify it\'s you" when the API asks for a stronger sign-in, and starts it for what was asked', async () => {
    const fixture = TestBed.createComponent(PaymentsPage);
    await fixture.whenStable();
    backend.expectOne(PAYMENTS).flush(null, {
      status: 401,
      statusText: 'Unauthorized',
      headers: { 'WWW-Authenticate': CHALLENGE },
    });
    await fixture.whenStable();
    const element = fixture.nativeElement as HTMLElement;
    expect(element.textContent).toContain('one-time code (within the last 5 minutes)');
    button(element)!.click();
    await fixture.whenStable();
    expect(kit.loginRequests).toEqual(['/payments']);
    expect(kit.loginAuthentication).toEqual([{ acrValues: 'urn:demo:otp', maxAge: 300 }]);
    expect(kit.signedIn).withContext('the session goes on meanwhile').toBeTrue();
  });

  it('shows the payments when the sign-in is strong enough, and other errors as errors', async () => {
    const fixture = TestBed.createComponent(PaymentsPage);
    await fixture.whenStable();
    backend.expectOne(PAYMENTS).flush({
      subject: 'alice',
      payments: [{ id: 'p-1', to: 'The Mad Hatter', amount: '12.50 EUR', status: 'paid' }],
    });
    await fixture.whenStable();
    const element = fixture.nativeElement as HTMLElement;
    expect(element.querySelectorAll('[data-testid="payment"]').length).toBe(1);
    expect(button(element)).toBeUndefined();

    const failing = TestBed.createComponent(PaymentsPage);
    await failing.whenStable();
    backend.expectOne(PAYMENTS).flush(null, { status: 403, statusText: 'Forbidden' });
    await failing.whenStable();
    expect((failing.nativeElement as HTMLElement).textContent).toContain('The API answered 403.');
    expect(button(failing.nativeElement)).toBeUndefined();
  });
});
