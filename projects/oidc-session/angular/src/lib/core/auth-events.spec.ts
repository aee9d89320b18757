import { HttpClient, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';

import { AuthEvent } from './auth-events';
import { authInterceptor } from '../auth-interceptor';
import { AuthService } from '../auth-service';
import {
  AuthTestingController,
  provideAuthTesting,
  settle,
  TEST_API,
} from '@oidc-session/angular/testing';

describe('AuthService.events$', () => {
  let http: HttpClient;
  let backend: HttpTestingController;
  let kit: AuthTestingController;
  let auth: AuthService;
  let events: AuthEvent[];

  beforeEach(async () => {
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(withInterceptors([authInterceptor])),
        provideHttpClientTesting(),
        provideRouter([]),
        provideAuthTesting(),
      ],
    });
    http = TestBed.inject(HttpClient);
    backend = TestBed.inject(HttpTestingController);
    kit = TestBed.inject(AuthTestingController);
    auth = TestBed.inject(AuthService);
    await kit.ready();
    events = [];
    auth.events$.subscribe((event) => events.push(event));
  });

  afterEach(() => backend.verify());

  const types = () => events.map((event) => event.type);

  it('tells the story of a refresh before a request, with timestamps from the injected clock', async () => {
    kit.expire();
    http.get(`${TEST_API.origin}/data`).subscribe();
    await settle();
    backend.expectOne(`${TEST_API.origin}/data`).flush({});
    expect(types()).toEqual(['refresh-started', 'refresh-succeeded']);
    expect(events[0]).toEqual(jasmine.objectContaining({ trigger: 'expiry', at: kit.clock.now() }));
    expect(events[1]).toEqual(
      jasmine.objectContaining({ generation: 2, expiresAt: kit.clock.now() + 300_000 }),
    );
  });

  it('tells the story of a 401, a refresh and the retry', async () => {
    http.get(`${TEST_API.origin}/data?secret=1`).subscribe();
    backend
      .expectOne(`${TEST_API.origin}/data?secret=1`)
      .flush(null, { status: 401, statusText: 'Unauthorized' });
    await settle();
    backend.expectOne(`${TEST_API.origin}/data?secret=1`).flush({});
    expect(types()).toEqual(['refresh-started', 'refresh-succeeded', 'request-retried']);
    expect(events[0]).toEqual(jasmine.objectContaining({ trigger: 'rejected' }));
    expect(events[2]).toEqual(jasmine.objectContaining({ url: `${TEST_API.origin}/data` }));
  });

  it('tells the story of a definitive failure', async () => {
    kit.expire();
    kit.respondToRefresh('invalid_grant');
    http.get(`${TEST_API.origin}/data`).subscribe({ error: () => undefined });
    await settle();
    expect(types()).toEqual(['refresh-started', 'refresh-failed-definitive', 'signed-out']);
    expect(events[1]).toEqual(
      jasmine.objectContaining({ reason: 'refresh_rejected', detail: 'invalid_grant' }),
    );
    expect(events[2]).toEqual(jasmine.objectContaining({ where: 'here', reason: 'expired' }));
  });

  it('tells the story of a transient failure', async () => {
    kit.expire();
    kit.respondToRefresh('network-error');
    http.get(`${TEST_API.origin}/data`).subscribe({ error: () => undefined });
    await settle();
    expect(types()).toEqual(['refresh-started', 'refresh-failed-transient']);
    expect(events[1]).toEqual(jasmine.objectContaining({ reason: 'network', attempts: 1 }));
  });

  it('never carries a token, whatever happens', async () => {
    const seen = new Set<string>(['access-token-0', 'refresh-token-0']);
    for (let round = 0; round < 3; round++) {
      kit.expire();
      http.get(`${TEST_API.origin}/data`).subscribe();
      await settle();
      backend
        .expectOne(`${TEST_API.origin}/data`)
        .flush(null, { status: 401, statusText: 'Unauthorized' });
      await settle();
      backend.match(`${TEST_API.origin}/data`).forEach((request) => request.flush({}));
      seen.add(kit.accessToken!);
    }
    seen.add(`refresh-token-${kit.refreshCount}`);
    await auth.logout();
    const everything = JSON.stringify([...events, ...auth.recentEvents()]);
    expect(events.length).toBeGreaterThan(8);
    for (const token of seen) expect(everything).not.toContain(token);
  });

  it('keeps the last events for the session panel', async () => {
    kit.expire();
    await new Promise<void>((resolve) => auth.accessToken().subscribe(() => resolve()));
    expect(auth.recentEvents().map((event) => event.type)).toEqual([
      'refresh-started',
      'refresh-succeeded',
    ]);
  });
});
