import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { catchError, map, of, startWith } from 'rxjs';

import { AuthService, StepUpRequiredError } from '@oidc-session/angular';
import { Payment, ResourceApi, describeFailure } from '../api/resource-api';

type PaymentsState =
  | { readonly state: 'loading' }
  | { readonly state: 'loaded'; readonly payments: readonly Payment[] }
  | { readonly state: 'step-up'; readonly required: StepUpRequiredError }
  | { readonly state: 'error'; readonly message: string };

/**
 * `GET /api/payments`, which needs a recent sign-in with the one-time code (RFC 9470): when the
 * API asks for it, the page says why and offers the stronger sign-in, which comes back here.
 */
@Component({
  selector: 'app-payments-page',
  template: `
    <h1>Payments</h1>
    @let current = payments();
    @if (current.state === 'loading') {
      <p aria-busy="true">Loading…</p>
    } @else if (current.state === 'loaded') {
      <table data-testid="payments">
        <thead>
          <tr>
            <th scope="col">Payment</th>
            <th scope="col">To</th>
            <th scope="col">Amount</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          @for (payment of current.payments; track payment.id) {
            <tr data-testid="payment">
              <td>{{ payment.id }}</td>
              <td>{{ payment.to }}</td>
              <td>{{ payment.amount }}</td>
              <td>{{ payment.status }}</td>
            </tr>
          }
        </tbody>
      </table>
    } @else if (current.state === 'step-up') {
      <p role="status" data-testid="step-up-required">
        Payments need a recent sign-in with your one-time code{{ ageNote(current.required) }}. You
        stay signed in; this only confirms it is you.
      </p>
      <button type="button" (click)="verify(current.required)" [disabled]="leaving()">
        Verify it's you
      </button>
      @if (stepUpError(); as message) {
        <p role="alert">{{ message }}</p>
      }
    } @else {
      <p role="alert">{{ current.message }}</p>
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class PaymentsPage {
  private readonly auth = inject(AuthService);
  protected readonly leaving = signal(false);
  protected readonly stepUpError = signal<string | null>(null);

  protected readonly payments = toSignal(
    inject(ResourceApi)
      .payments()
      .pipe(
        map((answer): PaymentsState => ({ state: 'loaded', payments: answer.payments })),
        catchError((error: unknown) =>
          of<PaymentsState>(
            error instanceof StepUpRequiredError
              ? { state: 'step-up', required: error }
              : { state: 'error', message: describeFailure(error) },
          ),
        ),
        startWith<PaymentsState>({ state: 'loading' }),
      ),
    { requireSync: true },
  );

  protected ageNote(required: StepUpRequiredError): string {
    if (required.maxAge === null) return '';
    const minutes = Math.floor(required.maxAge / 60);
    return minutes >= 1
      ? ` (within the last ${minutes} minute${minutes === 1 ? '' : 's'})`
      : ` (within the last ${required.maxAge} seconds)`;
  }

  protected async verify(required: StepUpRequiredError): Promise<void> {
    this.leaving.set(true);
    this.stepUpError.set(null);
    try {
      await this.auth.stepUp({
        acrValues: required.acrValues,
        maxAge: required.maxAge,
        returnUrl: '/payments',
      });
    } catch (error: unknown) {
      // The page stays: the provider cannot be reached, or the challenge asked for the impossible.
      this.leaving.set(false);
      this.stepUpError.set(describeFailure(error));
    }
  }
}
