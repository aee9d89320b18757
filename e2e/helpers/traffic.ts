import { BrowserContext, Request } from '@playwright/test';

import { ISSUER, isAllowedApi } from './stack';

/** What the browser sent and received, counted per test across all its pages. */
export class Traffic {
  /** Token-endpoint POSTs, by grant type, in order. */
  readonly tokenRequests: string[] = [];
  /** Visits to the provider's authorization endpoint (a sign-in). */
  readonly authorizations: string[] = [];
  /** API responses: URL and status. */
  readonly apiResponses: { url: string; status: number }[] = [];
  /** Requests that carried an Authorization header to a URL outside the allowlist. */
  readonly leaks: string[] = [];
  private readonly pending: Promise<void>[] = [];

  constructor(context: BrowserContext) {
    context.on('request', (request) => this.pending.push(this.onRequest(request)));
    context.on('response', (response) => {
      if (isAllowedApi(response.url()) && response.request().method() !== 'OPTIONS') {
        this.apiResponses.push({ url: response.url(), status: response.status() });
      }
    });
  }

  get refreshRequests(): number {
    return this.tokenRequests.filter((grant) => grant === 'refresh_token').length;
  }

  api401s(): number {
    return this.apiResponses.filter((response) => response.status === 401).length;
  }

  /** Waits for the header checks of every request seen so far. */
  async settled(): Promise<void> {
    await Promise.all(this.pending);
  }

  private async onRequest(request: Request): Promise<void> {
    const url = request.url();
    if (
      url.startsWith(`${ISSUER}/token`) &&
      request.method() === 'POST' &&
      !url.includes('revocation')
    ) {
      this.tokenRequests.push(
        new URLSearchParams(request.postData() ?? '').get('grant_type') ?? '?',
      );
    }
    // `/auth/<uid>` is the same sign-in resuming after the login form; only `/auth` starts one.
    if (url.startsWith(`${ISSUER}/auth?`)) this.authorizations.push(url);
    const headers = await request.allHeaders().catch(() => request.headers());
    if (headers['authorization'] && !isAllowedApi(url))
      this.leaks.push(`${request.method()} ${url}`);
  }
}
