import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { firstValueFrom } from 'rxjs';

import { authInterceptor, AuthService } from '@oidc-session/angular';
import { AuthTestingController, provideAuthTesting } from '@oidc-session/angular/testing';
import { SessionPanel } from './session-panel';

describe('SessionPanel', () => {
  let kit: AuthTestingController;

  beforeEach(async () => {
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(withInterceptors([authInterceptor])),
        provideHttpClientTesting(),
        provideRouter([]),
        provideAuthTesting({ accessTokenLifetimeSeconds: 60 }),
      ],
    });
    kit = TestBed.inject(AuthTestingController);
    await kit.ready();
  });

  async function render() {
    const fixture = TestBed.createComponent(SessionPanel);
    await fixture.whenStable();
    return fixture;
  }

  const text = (fixture: { nativeElement: HTMLElement }) => fixture.nativeElement.textContent ?? '';

  it('shows the user, the countdown from the injected clock, the refresh token and the refresh count', async () => {
    kit.clock.advance(15_000);
    const fixture = await render();
    expect(text(fixture)).toContain('Alice Liddell');
    const timer = fixture.nativeElement.querySelector('[role="timer"]') as HTMLElement;
    expect(timer.dataset['seconds']).toBe('45');
    expect(
      fixture.nativeElement.querySelector('[data-testid="panel-refresh-token"]').textContent,
    ).toBe('yes');
    expect(
      fixture.nativeElement.querySelector('[data-testid="panel-refresh-count"]').textContent,
    ).toBe('0');
  });

  it('adds refreshes to the timeline, newest first, and never shows a token', async () => {
    const fixture = await render();
    const auth = TestBed.inject(AuthService);
    const tokens = new Set(['access-token-0', 'refresh-token-0']);
    for (let i = 0; i < 2; i++) {
      kit.expire();
      tokens.add(await firstValueFrom(auth.accessToken()));
      tokens.add(`refresh-token-${kit.refreshCount}`);
    }
    await fixture.whenStable();
    const items = [
      ...fixture.nativeElement.querySelectorAll('[data-testid="panel-timeline"] li'),
    ] as HTMLElement[];
    expect(items.map((item) => item.dataset['type'])).toEqual([
      'refresh-succeeded',
      'refresh-started',
      'refresh-succeeded',
      'refresh-started',
    ]);
    expect(
      fixture.nativeElement.querySelector('[data-testid="panel-refresh-count"]').textContent,
    ).toBe('2');
    for (const token of tokens) expect(fixture.nativeElement.innerHTML).not.toContain(token);
    TestBed.inject(HttpTestingController).verify();
  });

  it('says so when nobody is signed in', async () => {
    await TestBed.inject(AuthService).logout();
    const fixture = await render();
    expect(text(fixture)).toContain('Not signed in.');
  });
});
