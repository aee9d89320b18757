import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { catchError, map, of, startWith } from 'rxjs';

import { ResourceApi, describeFailure } from '../api/resource-api';

type ProfileState =
  | { readonly state: 'loading' }
  | { readonly state: 'loaded'; readonly name: string; readonly sub: string }
  | { readonly state: 'error'; readonly message: string };

/** The signed-in user's name, as the API sees it (`GET /api/me`). */
@Component({
  selector: 'app-profile-page',
  template: `
    <h1>Profile</h1>
    @let current = profile();
    @if (current.state === 'loading') {
      <p aria-busy="true">Loading…</p>
    } @else if (current.state === 'loaded') {
      <p>
        Name: <strong data-testid="profile-name">{{ current.name }}</strong>
      </p>
      <p>
        Subject: <code>{{ current.sub }}</code>
      </p>
    } @else {
      <p role="alert">{{ current.message }}</p>
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ProfilePage {
  protected readonly profile = toSignal(
    inject(ResourceApi)
      .me()
      .pipe(
        map((me): ProfileState => ({ state: 'loaded', name: me.name, sub: me.sub })),
        catchError((error: unknown) =>
          of<ProfileState>({ state: 'error', message: describeFailure(error) }),
        ),
        startWith<ProfileState>({ state: 'loading' }),
      ),
    { requireSync: true },
  );
}
