import { TestBed } from '@angular/core/testing';
import {
  ActivatedRouteSnapshot,
  Router,
  RouterStateSnapshot,
  UrlTree,
  provideRouter,
} from '@angular/router';
import { Observable, firstValueFrom } from 'rxjs';

import { authGuard } from './auth-guard';
import {
  AuthTestingController,
  AuthTestingOptions,
  provideAuthTesting,
} from '@oidc-session/angular/testing';

describe('authGuard', () => {
  let kit: AuthTestingController;

  async function setUp(options: AuthTestingOptions = {}): Promise<void> {
    TestBed.configureTestingModule({ providers: [provideRouter([]), provideAuthTesting(options)] });
    kit = TestBed.inject(AuthTestingController);
    await kit.ready();
  }

  function runGuard(url: string): Promise<boolean | UrlTree> {
    const result = TestBed.runInInjectionContext(() =>
      authGuard({} as ActivatedRouteSnapshot, { url } as RouterStateSnapshot),
    );
    return firstValueFrom(result as Observable<boolean | UrlTree>);
  }

  const serialize = (result: boolean | UrlTree) =>
    typeof result === 'boolean' ? result : TestBed.inject(Router).serializeUrl(result);

  it('lets a signed-in user with a fresh token through without a refresh', async () => {
    await setUp();
    expect(await runGuard('/profile')).toBeTrue();
    expect(kit.refreshCount).toBe(0);
  });

  it('sends a signed-out user to the login page with the target as returnUrl', async () => {
    await setUp({ signedIn: false });
    expect(serialize(await runGuard('/profile?tab=2'))).toBe(
      '/login?returnUrl=%2Fprofile%3Ftab%3D2',
    );
  });

  it('refreshes an expired access token before deciding, instead of sending the user to log in', async () => {
    await setUp();
    kit.expire();
    expect(await runGuard('/dashboard')).toBeTrue();
    expect(kit.refreshCount).toBe(1);
    expect(kit.accessToken).toBe('access-token-1');
  });

  it('shares one refresh among guards and requests that need it at the same time', async () => {
    await setUp();
    kit.expire();
    const results = await Promise.all([runGuard('/a'), runGuard('/b'), runGuard('/c')]);
    expect(results).toEqual([true, true, true]);
    expect(kit.refreshCount).toBe(1);
  });

  it('sends the user to log in when the provider rejects the refresh token', async () => {
    await setUp();
    kit.expire();
    kit.respondToRefresh('invalid_grant');
    expect(serialize(await runGuard('/dashboard'))).toBe('/login?returnUrl=%2Fdashboard');
    expect(kit.accessToken).toBeNull();
  });

  it('lets the user through on a transient failure, keeping the session', async () => {
    await setUp();
    kit.expire();
    kit.respondToRefresh('network-error');
    expect(await runGuard('/dashboard')).toBeTrue();
    expect(kit.accessToken).toBe('access-token-0');
  });
});
