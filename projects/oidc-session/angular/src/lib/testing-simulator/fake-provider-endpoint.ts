import { HttpErrorResponse } from '@angular/common/http';
import { Observable, TimeoutError } from 'rxjs';

import { ProviderUnreachableError } from '../core/auth-errors';
import { SessionState } from '../core/session';
import { ɵTokenEndpoint as TokenEndpoint } from '@oidc-session/angular/browser';
import type { FakeProvider, Presentation } from './fake-provider';

/** The page a token endpoint serves: a closed page sends nothing and hears nothing. */
export interface EndpointPage {
  readonly label: string;
  readonly isOpen: boolean;
  whenClosed(listener: () => void): void;
}

/** One page's token endpoint: network latency, the fates, and the client's own timeouts. */
export class FakeProviderEndpoint extends TokenEndpoint {
  constructor(
    private readonly provider: FakeProvider,
    private readonly page: EndpointPage,
  ) {
    super();
  }

  refresh(tokens: SessionState): Observable<Omit<SessionState, 'generation'>> {
    return new Observable((subscriber) => {
      const { provider, page } = this;
      // A closed page sends nothing (its code would not run in a browser).
      if (!page.isOpen) return;
      const timing = provider.timing;
      const fate = provider.takeFate();
      let presentation: Presentation | null = null;
      let done = false;
      let gaveUpAt: number | null = null;
      const hear = (heard: Presentation['heard'], deliver: () => void) => {
        if (done) return;
        done = true;
        gaveUpAt = provider.now();
        clearTimeout(timeout);
        if (presentation) {
          presentation.heard = page.isOpen ? heard : 'lost';
          presentation.heardAt = provider.now();
        }
        if (page.isOpen) deliver();
      };
      const timeout = setTimeout(
        () => hear('timeout', () => subscriber.error(new ProviderUnreachableError('timeout'))),
        timing.tokenRequestTimeoutMs,
      );
      // A page that goes away never hears the answer: from then on the request is unanswered.
      page.whenClosed(() => hear('lost', () => undefined));
      // Once sent, the request reaches the provider whatever the tab does meanwhile.
      setTimeout(() => {
        const reached = provider.receiveRefresh(page.label, tokens, fate);
        presentation = reached;
        if (done) {
          // Given up (timed out, or the page went away) before it even arrived.
          reached.heard = 'lost';
          reached.heardAt = gaveUpAt;
          return;
        }
        if (fate === 'lost') {
          setTimeout(
            () => hear('lost', () => subscriber.error(new ProviderUnreachableError('network'))),
            timing.latencyMs,
          );
          return;
        }
        const back =
          fate === 'slow'
            ? timing.slowAnswerMs
            : fate === 'hang'
              ? timing.hangingAnswerMs
              : timing.latencyMs;
        setTimeout(
          () =>
            hear('answer', () => {
              try {
                subscriber.next(provider.answer(reached, tokens));
                subscriber.complete();
              } catch (error: unknown) {
                subscriber.error(error);
              }
            }),
          back,
        );
      }, timing.latencyMs);
      return () => {
        // Unsubscribing does not unsend the request; the tab just stops listening.
        if (!done) {
          done = true;
          gaveUpAt = provider.now();
          clearTimeout(timeout);
          if (presentation) {
            presentation.heard = 'lost';
            presentation.heardAt = gaveUpAt;
          }
        }
      };
    });
  }

  revoke(refreshToken: string): Observable<void> {
    return new Observable<void>((subscriber) => {
      const { provider, page } = this;
      if (!page.isOpen) return;
      const timing = provider.timing;
      const fate = provider.takeFate();
      let done = false;
      const finish = (deliver: () => void) => {
        if (done || !page.isOpen) return;
        done = true;
        clearTimeout(timeout);
        deliver();
      };
      const timeout = setTimeout(
        () => finish(() => subscriber.error(new TimeoutError())),
        timing.revocationTimeoutMs,
      );
      setTimeout(() => {
        if (fate === 'unavailable') {
          provider.refuseRevocation(page.label, refreshToken);
          finish(() => subscriber.error(new HttpErrorResponse({ status: 503, url: 'revocation' })));
          return;
        }
        provider.receiveRevocation(page.label, refreshToken);
        const back =
          fate === 'slow'
            ? timing.slowAnswerMs
            : fate === 'hang'
              ? timing.hangingAnswerMs
              : timing.latencyMs;
        setTimeout(
          () =>
            finish(() =>
              fate === 'lost'
                ? subscriber.error(new HttpErrorResponse({ status: 0, url: 'revocation' }))
                : (subscriber.next(), subscriber.complete()),
            ),
          back,
        );
      }, timing.latencyMs);
      return () => {
        done = true;
        clearTimeout(timeout);
      };
    });
  }
}
