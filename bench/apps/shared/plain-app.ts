// The bundle rows' baseline: the mode apps' shell (mode-app.ts) without the session layer, so
// that what the session layer adds to an app's initial JavaScript is a difference of two builds.
import { HttpClient, provideHttpClient } from '@angular/common/http';
import {
  ChangeDetectionStrategy,
  Component,
  inject,
  provideZonelessChangeDetection,
  signal,
} from '@angular/core';
import { bootstrapApplication } from '@angular/platform-browser';
import { provideRouter } from '@angular/router';

/** The same shell without the session layer: HttpClient, the router, a component. */
@Component({
  selector: 'app-root',
  template: `<p>{{ status() }}</p>
    <button (click)="load()">Load</button>`,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
class PlainRoot {
  private readonly http = inject(HttpClient);
  protected readonly status = signal('idle');

  protected load(): void {
    this.http.get<{ name: string }>('/api/me').subscribe((me) => this.status.set(me.name));
  }
}

export function bootstrapPlainApp(): void {
  void bootstrapApplication(PlainRoot, {
    providers: [
      provideZonelessChangeDetection(),
      provideHttpClient(),
      provideRouter([{ path: 'account', children: [] }]),
    ],
  });
}
