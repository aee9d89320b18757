import { HttpClient, HttpErrorResponse } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { Observable } from 'rxjs';

import { AuthService, isAuthError } from '@oidc-session/angular';

/** The dashboard's resources, each fetched by its own request. */
export const DASHBOARD_RESOURCES = [
  'weather',
  'news',
  'stocks',
  'tasks',
  'messages',
  'calendar',
] as const;
export type DashboardResourceName = (typeof DASHBOARD_RESOURCES)[number];

export interface DashboardItem {
  readonly label: string;
  readonly value: string;
}

export interface DashboardResource {
  readonly resource: DashboardResourceName;
  readonly title: string;
  readonly summary: string;
  readonly items: readonly DashboardItem[];
  /** Whose dashboard the API answered for (the token's subject). */
  readonly subject: string;
  /** When the API answered: changes with every Reload. */
  readonly generatedAt: string;
}

export interface Payment {
  readonly id: string;
  readonly to: string;
  readonly amount: string;
  readonly status: string;
}

export interface Payments {
  readonly subject: string;
  readonly payments: readonly Payment[];
}

export interface Me {
  readonly sub: string;
  readonly name: string;
}

/**
 * The demo's resource API. A plain HttpClient client: tokens, refreshes and 401 retries are
 * the interceptor's business, which is the point of the demo.
 */
@Injectable({ providedIn: 'root' })
export class ResourceApi {
  private readonly http = inject(HttpClient);
  private readonly auth = inject(AuthService);

  me(): Observable<Me> {
    return this.http.get<Me>(`${this.baseUrl()}/me`);
  }

  /** Needs a recent one-time-code sign-in: fails with StepUpRequiredError otherwise. */
  payments(): Observable<Payments> {
    return this.http.get<Payments>(`${this.baseUrl()}/payments`);
  }

  dashboardResource(name: DashboardResourceName): Observable<DashboardResource> {
    return this.http.get<DashboardResource>(`${this.baseUrl()}/dashboard/${name}`);
  }

  /** The demo calls the first API of the allowlist in auth.config.json. */
  private baseUrl(): string {
    const api = this.auth.config.apis[0];
    return api.origin + (api.pathPrefix === '/' ? '' : api.pathPrefix);
  }
}

/** A short, human explanation of why a request failed. */
export function describeFailure(error: unknown): string {
  if (isAuthError(error)) {
    switch (error.code) {
      case 'session_expired':
        return 'Your session has ended. Please sign in again.';
      case 'provider_unreachable':
        return 'The sign-in service is not reachable right now. Try again in a moment.';
      default:
        return error.message;
    }
  }
  if (error instanceof HttpErrorResponse) {
    return error.status === 0 ? 'The API is not reachable.' : `The API answered ${error.status}.`;
  }
  return 'Something went wrong.';
}
