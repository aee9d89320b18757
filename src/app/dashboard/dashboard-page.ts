import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, DestroyRef, inject, signal } from '@angular/core';
import { Subscription } from 'rxjs';

import {
  DASHBOARD_RESOURCES,
  DashboardResource,
  DashboardResourceName,
  ResourceApi,
  describeFailure,
} from '../api/resource-api';

type Widget =
  | { readonly name: DashboardResourceName; readonly state: 'loading' }
  | {
      readonly name: DashboardResourceName;
      readonly state: 'loaded';
      readonly data: DashboardResource;
    }
  | { readonly name: DashboardResourceName; readonly state: 'error'; readonly message: string };

/**
 * Six resources fetched in parallel, each by its own request, and a Reload button that fetches
 * them all again at once: after expiry that burst shares one refresh.
 */
@Component({
  selector: 'app-dashboard-page',
  imports: [DatePipe],
  template: `
    <div class="toolbar">
      <h1>Dashboard</h1>
      <button type="button" (click)="reload()">Reload</button>
    </div>
    <div class="grid">
      @for (widget of widgets(); track widget.name) {
        <article
          data-testid="widget"
          [attr.data-state]="widget.state"
          [attr.data-resource]="widget.name"
          [attr.aria-busy]="widget.state === 'loading'"
        >
          @switch (widget.state) {
            @case ('loading') {
              <h2>{{ widget.name }}</h2>
              <p>Loading…</p>
            }
            @case ('loaded') {
              <h2>{{ widget.data.title }}</h2>
              <p>{{ widget.data.summary }}</p>
              <ul>
                @for (item of widget.data.items; track item.label) {
                  <li>
                    <strong>{{ item.label }}</strong>: {{ item.value }}
                  </li>
                }
              </ul>
              <p class="fetched">Fetched at {{ widget.data.generatedAt | date: 'HH:mm:ss' }}</p>
            }
            @case ('error') {
              <h2>{{ widget.name }}</h2>
              <p role="alert" class="error">{{ widget.message }}</p>
            }
          }
        </article>
      }
    </div>
  `,
  styles: `
    .toolbar {
      display: flex;
      align-items: center;
      justify-content: space-between;
    }
    .grid {
      display: grid;
      grid-template-columns: repeat(auto-fill, minmax(16rem, 1fr));
      gap: 1rem;
    }
    article {
      border: 1px solid #d0d7de;
      border-radius: 8px;
      padding: 0 1rem 0.5rem;
    }
    article[data-state='error'] {
      border-color: #cf222e;
    }
    h2 {
      font-size: 1.1rem;
      text-transform: capitalize;
    }
    .error {
      color: #cf222e;
    }
    .fetched {
      font-size: 0.85rem;
      color: #59636e;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class DashboardPage {
  private readonly api = inject(ResourceApi);
  private requests = new Subscription();

  protected readonly widgets = signal<readonly Widget[]>([]);

  constructor() {
    inject(DestroyRef).onDestroy(() => this.requests.unsubscribe());
    this.reload();
  }

  protected reload(): void {
    // A new Reload supersedes the requests of the previous one still in flight.
    this.requests.unsubscribe();
    this.requests = new Subscription();
    this.widgets.set(DASHBOARD_RESOURCES.map((name) => ({ name, state: 'loading' })));
    for (const name of DASHBOARD_RESOURCES) {
      this.requests.add(
        this.api.dashboardResource(name).subscribe({
          next: (data) => this.update({ name, state: 'loaded', data }),
          error: (error: unknown) =>
            this.update({ name, state: 'error', message: describeFailure(error) }),
        }),
      );
    }
  }

  private update(widget: Widget): void {
    this.widgets.update((widgets) =>
      widgets.map((current) => (current.name === widget.name ? widget : current)),
    );
  }
}
