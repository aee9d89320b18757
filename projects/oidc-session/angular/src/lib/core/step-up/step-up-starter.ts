import { Location, isPlatformServer } from '@angular/common';
import { Injectable, PLATFORM_ID, inject } from '@angular/core';

import { StepUpRequiredError } from '../auth-errors';
import { AuthEventLog } from '../auth-events';
import { AuthConfigStore } from '../config/auth-config-store';
import { KeyValueStorage, SESSION_STORAGE } from '../platform/browser-storage';
import { CLOCK } from '../platform/clock';
import { safeReturnPath } from '../return-url';
import { ActiveSessionBackend } from '../session-backend';
import { StepUpRequest, authenticationParameters } from './step-up-request';

/** sessionStorage key: the challenge this tab last stepped up for by itself, and when. */
const LAST_AUTOMATIC_KEY = 'oidc-session.automatic-step-up';

/**
 * An automatic step-up for the same challenge as the one before, this soon after it, means the
 * sign-in did not give what the API asks for (a provider that ignores `acr_values`): going again
 * would send the user round in a loop, so the request fails and the page offers it instead. Long
 * enough for a sign-in with a one-time code, well short of a typical `max_age`.
 */
const LOOP_WINDOW_MS = 120_000;

/**
 * Starts a step-up (RFC 9470): a sign-in that asks the provider for the API's `acr_values` and
 * `max_age`, whose result continues the session (see SessionBackend.login). The user starts it
 * (`AuthService.stepUp`), or, with `"stepUp": "automatic"`, the interceptor does as the
 * challenge arrives.
 */
@Injectable({ providedIn: 'root' })
export class StepUpStarter {
  private readonly active = inject(ActiveSessionBackend);
  private readonly config = inject(AuthConfigStore);
  private readonly events = inject(AuthEventLog);
  private readonly location = inject(Location);
  private readonly clock = inject(CLOCK);
  private readonly storage: KeyValueStorage | null = inject(SESSION_STORAGE);
  private readonly onServer = isPlatformServer(inject(PLATFORM_ID));
  /** Set once the page is leaving for an automatic step-up: a burst of challenges leaves once. */
  private leaving = false;

  /**
   * Leaves for the stronger sign-in.
   * @throws LoginError when `acrValues` or `maxAge` cannot be sent (nothing was);
   * ProviderUnreachableError when sign-in cannot start now (the page stays).
   */
  async start(request: StepUpRequest, automatic = false): Promise<void> {
    const authentication = authenticationParameters(request);
    this.events.emit('step-up-started', {
      acrValues: authentication.acrValues ?? null,
      maxAge: authentication.maxAge ?? null,
      automatic,
    });
    await this.active.backend.login(safeReturnPath(request.returnUrl), authentication);
  }

  /**
   * With `"stepUp": "automatic"`, leaves for the step-up `required` asks for, back to the page the
   * user is on; false when it does not (manual mode, a server render, a challenge it cannot read,
   * the same challenge again right after stepping up for it, or the page already leaving).
   */
  startAutomatically(required: StepUpRequiredError): boolean {
    if (this.onServer || !this.config.isLoaded || this.config.current.stepUp !== 'automatic') {
      return false;
    }
    // Unreadable: nothing to ask for, and a plain sign-in would only meet the same answer.
    if (required.unreadable || this.leaving || this.steppedUpJustNowFor(required)) return false;
    // Without a record of it, a loop could not be told from a first time: the page offers it.
    if (!this.remember(required)) return false;
    this.leaving = true;
    const returnUrl = this.location.path(true) || '/';
    this.start({ acrValues: required.acrValues, maxAge: required.maxAge, returnUrl }, true).catch(
      (error: unknown) => {
        // The page stays; the request has failed with StepUpRequiredError, which the page shows.
        this.leaving = false;
        console.warn('[auth] The automatic step-up could not start.', error);
      },
    );
    return true;
  }

  private steppedUpJustNowFor(required: StepUpRequiredError): boolean {
    const last = this.lastAutomatic();
    return (
      last !== null &&
      last.acrValues === required.acrValues &&
      last.maxAge === required.maxAge &&
      this.clock.now() - last.at < LOOP_WINDOW_MS
    );
  }

  private lastAutomatic(): { acrValues: string | null; maxAge: number | null; at: number } | null {
    try {
      const value: unknown = JSON.parse(this.storage?.getItem(LAST_AUTOMATIC_KEY) ?? 'null');
      if (typeof value !== 'object' || value === null) return null;
      const { acrValues, maxAge, at } = value as Record<string, unknown>;
      if (typeof at !== 'number') return null;
      return {
        acrValues: typeof acrValues === 'string' ? acrValues : null,
        maxAge: typeof maxAge === 'number' ? maxAge : null,
        at,
      };
    } catch {
      return null;
    }
  }

  /** Records this automatic step-up; false when this tab cannot (no sessionStorage, a full one). */
  private remember(required: StepUpRequiredError): boolean {
    if (!this.storage) return false;
    const { acrValues, maxAge } = required;
    try {
      const record = { acrValues, maxAge, at: this.clock.now() };
      this.storage.setItem(LAST_AUTOMATIC_KEY, JSON.stringify(record));
      return true;
    } catch {
      return false;
    }
  }
}
