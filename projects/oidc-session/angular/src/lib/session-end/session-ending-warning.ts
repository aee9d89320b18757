import { DOCUMENT, isPlatformServer } from '@angular/common';
import {
  ChangeDetectionStrategy,
  Component,
  DestroyRef,
  ElementRef,
  Injector,
  PLATFORM_ID,
  afterNextRender,
  afterRenderEffect,
  computed,
  effect,
  inject,
  signal,
  viewChild,
} from '@angular/core';

import { AuthService } from '../auth-service';
import { isAuthError } from '../core/auth-errors';
import { CLOCK } from '../core/platform/clock';

/**
 * The points (seconds left) at which the live region speaks again: every whole minute, then 30
 * and 10 seconds. A screen reader that read the countdown every second would drown the page.
 */
function announcementStep(secondsLeft: number): number {
  if (secondsLeft > 60) return Math.ceil(secondsLeft / 60) * 60;
  return secondsLeft > 30 ? 60 : secondsLeft > 10 ? 30 : 10;
}

/** "3 minutes", "1 minute", "30 seconds": a step, in words. */
function describeStep(seconds: number): string {
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = seconds / 60;
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}

/** What the user can do about a failed "Stay signed in", by the error's stable code. */
function describeFailure(error: unknown): string {
  if (isAuthError(error) && error.code === 'provider_unreachable') {
    return 'The sign-in service could not be reached. Check the connection and try again.';
  }
  if (isAuthError(error) && error.code === 'session_expired') {
    return 'The session has already ended. Please sign in again.';
  }
  return 'The session could not be extended. Please try again.';
}

let nextId = 0;

/**
 * Warns that the session is about to end (idle or at its lifetime) with a live countdown, and
 * offers to stay signed in or sign out. Place it once, in the app's shell:
 * `<oidc-session-ending-warning />`. Non-modal: the page stays usable behind it.
 *
 * Themable with CSS custom properties on it or an ancestor: `--oidc-session-warning-background`,
 * `-color`, `-border-color`, `-accent`, `-on-accent`, `-error-color`, `-radius`, `-z-index`.
 */
@Component({
  selector: 'oidc-session-ending-warning',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @if (ending(); as end) {
      <section
        class="panel"
        role="alertdialog"
        [attr.aria-labelledby]="id + '-title'"
        [attr.aria-describedby]="id + '-text'"
        data-testid="session-ending-warning"
        [attr.data-reason]="end.reason"
        (keydown)="onKeydown($event)"
      >
        <h2 [id]="id + '-title'">Your session is about to end</h2>
        <p [id]="id + '-text'">
          @if (end.reason === 'idle') {
            You will be signed out in
            <span class="countdown" data-testid="session-ending-countdown">{{ countdown() }}</span>
            because the session has not been used.
          } @else {
            Your session reaches its time limit in
            <span class="countdown" data-testid="session-ending-countdown">{{ countdown() }}</span>.
            Stay signed in to sign in again and come back to this page.
          }
        </p>
        @if (error(); as message) {
          <p class="error" role="alert">{{ message }}</p>
        }
        <div class="actions">
          <button #stayButton type="button" class="primary" [disabled]="pending()" (click)="stay()">
            Stay signed in
          </button>
          <button #signOutButton type="button" (click)="signOut()">Sign out</button>
        </div>
      </section>
    }
    <!-- Always in the page, so that a screen reader is already watching it when it speaks. -->
    <div class="visually-hidden" aria-live="polite" data-testid="session-ending-announcement">
      {{ announcement() }}
    </div>
  `,
  styles: `
    .panel {
      position: fixed;
      inset-inline: 1rem;
      bottom: 1rem;
      z-index: var(--oidc-session-warning-z-index, 1000);
      box-sizing: border-box;
      max-width: 28rem;
      margin-inline: auto;
      padding: 1rem 1.25rem;
      background: var(--oidc-session-warning-background, #fff);
      color: var(--oidc-session-warning-color, #1f1f24);
      border: 1px solid var(--oidc-session-warning-border-color, #c4c4cc);
      border-radius: var(--oidc-session-warning-radius, 8px);
      box-shadow: 0 4px 16px rgb(0 0 0 / 20%);
    }
    h2 {
      margin: 0 0 0.5rem;
      font-size: 1.1rem;
    }
    p {
      margin: 0 0 0.75rem;
    }
    .countdown {
      font-weight: 600;
      font-variant-numeric: tabular-nums;
    }
    .error {
      color: var(--oidc-session-warning-error-color, #b3261e);
    }
    .actions {
      display: flex;
      justify-content: flex-end;
      gap: 0.5rem;
    }
    button {
      padding: 0.4rem 0.9rem;
      font: inherit;
      color: inherit;
      background: transparent;
      border: 1px solid currentColor;
      border-radius: 4px;
      cursor: pointer;
    }
    button.primary {
      color: var(--oidc-session-warning-on-accent, #fff);
      background: var(--oidc-session-warning-accent, #0b57d0);
      border-color: transparent;
    }
    button:disabled {
      opacity: 0.6;
      cursor: progress;
    }
    button:focus-visible {
      outline: 2px solid var(--oidc-session-warning-accent, #0b57d0);
      outline-offset: 2px;
    }
    .visually-hidden {
      position: absolute;
      width: 1px;
      height: 1px;
      overflow: hidden;
      clip-path: inset(50%);
      white-space: nowrap;
    }
  `,
})
export class SessionEndingWarning {
  private readonly auth = inject(AuthService);
  private readonly clock = inject(CLOCK);
  private readonly document = inject(DOCUMENT);
  private readonly injector = inject(Injector);
  private readonly onServer = isPlatformServer(inject(PLATFORM_ID));

  protected readonly id = `oidc-session-ending-${nextId++}`;

  /** The coming end; always null on the server, where there is nobody to warn and no timer. */
  protected readonly ending = computed(() => (this.onServer ? null : this.auth.sessionEnding()));
  private readonly visible = computed(() => this.ending() !== null);

  /** The CLOCK, read again every second while visible (never `Date.now()`: tests move time). */
  private readonly now = signal(this.clock.now());
  private readonly secondsLeft = computed(() => {
    const end = this.ending();
    return end ? Math.max(0, Math.ceil((end.at - this.now()) / 1000)) : 0;
  });
  protected readonly countdown = computed(() => {
    const seconds = this.secondsLeft();
    return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
  });

  /** Changes (and so is spoken) only when the warning appears and at each coarse step. */
  private readonly step = computed(() => announcementStep(this.secondsLeft()));
  protected readonly announcement = computed(() => {
    const end = this.ending();
    if (!end) return '';
    const within = describeStep(this.step());
    return end.reason === 'idle'
      ? `Your session is about to end: you will be signed out within ${within}.`
      : `Your session is about to end: it reaches its time limit within ${within}.`;
  });

  protected readonly pending = signal(false);
  protected readonly error = signal<string | null>(null);

  private readonly stayButton = viewChild<ElementRef<HTMLButtonElement>>('stayButton');
  private readonly signOutButton = viewChild<ElementRef<HTMLButtonElement>>('signOutButton');
  /** Where focus was before the panel took it, to give it back. */
  private returnFocusTo: HTMLElement | null = null;

  constructor() {
    // A 1 s tick only while the panel shows; `visible` (not `ending`) so that it is not restarted
    // when the end moves.
    effect((onCleanup) => {
      this.error.set(null); // a failure belongs to the warning it was shown in
      if (!this.visible()) return;
      this.now.set(this.clock.now());
      const tick = setInterval(() => this.now.set(this.clock.now()), 1000);
      onCleanup(() => clearInterval(tick));
    });

    // After render, so that the button exists when it appears and is gone when it disappears.
    afterRenderEffect(() => {
      const button = this.stayButton()?.nativeElement;
      if (button) {
        this.returnFocusTo = this.document.activeElement as HTMLElement | null;
        button.focus();
      } else if (this.returnFocusTo) {
        // Focus was in the panel when it went if it is now nowhere; if the user has moved it
        // elsewhere in the page, it stays there.
        if (this.focusLost()) this.restoreFocus();
        this.returnFocusTo = null;
      }
    });

    // Removed from the page while showing (a route without it): focus must not be left nowhere.
    const host = inject(ElementRef<HTMLElement>).nativeElement;
    inject(DestroyRef).onDestroy(() => {
      const inside = host.contains(this.document.activeElement);
      if (this.returnFocusTo && (inside || this.focusLost())) this.restoreFocus();
    });
  }

  protected async stay(): Promise<void> {
    if (this.pending()) return;
    this.pending.set(true);
    this.error.set(null);
    try {
      // Idle: the panel goes when the session is extended. Lifetime: the page leaves.
      await this.auth.staySignedIn();
    } catch (error: unknown) {
      this.error.set(describeFailure(error));
      // The disabled button dropped focus; give it back to the button once it is enabled again.
      afterNextRender(
        () => {
          if (this.focusLost()) this.stayButton()?.nativeElement.focus();
        },
        { injector: this.injector },
      );
    } finally {
      this.pending.set(false);
    }
  }

  protected signOut(): void {
    void this.auth.logout();
  }

  protected onKeydown(event: KeyboardEvent): void {
    if (event.key === 'Escape') {
      // Back to the page; the panel stays, since the session still ends.
      event.preventDefault();
      this.restoreFocus();
    } else if (event.key === 'Tab') {
      // Keeps Tab between the buttons while focus is in the panel (a disabled one is skipped).
      const buttons = [this.stayButton(), this.signOutButton()]
        .map((ref) => ref?.nativeElement)
        .filter((button): button is HTMLButtonElement => !!button && !button.disabled);
      if (buttons.length === 0) return;
      event.preventDefault();
      const at = buttons.indexOf(this.document.activeElement as HTMLButtonElement);
      const next =
        at === -1 ? 0 : (at + (event.shiftKey ? -1 : 1) + buttons.length) % buttons.length;
      buttons[next].focus();
    }
  }

  private focusLost(): boolean {
    const active = this.document.activeElement;
    return active === null || active === this.document.body;
  }

  private restoreFocus(): void {
    const target = this.returnFocusTo;
    if (target?.isConnected && target !== this.document.body) target.focus();
    else (this.document.activeElement as HTMLElement | null)?.blur();
  }
}
