import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';

import { authInterceptor } from '@oidc-session/angular';
import { AuthTestingController, provideAuthTesting } from '@oidc-session/angular/testing';
import { SessionPanel } from './session-panel';

describe('SessionPanel in bff mode', () => {
  beforeEach(async () => {
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(withInterceptors([authInterceptor])),
        provideHttpClientTesting(),
        provideRouter([]),
        provideAuthTesting({ mode: 'bff', accessTokenLifetimeSeconds: 60 }),
      ],
    });
    await TestBed.inject(AuthTestingController).ready();
  });

  it('names the mode, says the server holds the tokens and shows what the BFF reports, not a refresh token', async () => {
    const fixture = TestBed.createComponent(SessionPanel);
    await fixture.whenStable();
    const element = fixture.nativeElement as HTMLElement;
    const byId = (id: string) =>
      element.querySelector(`[data-testid="${id}"]`)?.textContent ?? null;
    expect(byId('panel-mode')).toContain('the server (BFF) holds the tokens');
    expect(byId('panel-version')?.trim()).toBe('1');
    expect(byId('panel-session-end')).toContain("the BFF's absolute lifetime");
    expect(byId('panel-refresh-token')).toBeNull();
    expect(element.textContent).not.toContain('Refresh token held');
    expect(element.textContent).not.toContain('the first token set is shared with every tab');
  });
});
