import { PLATFORM_ID, WritableSignal, signal } from '@angular/core';
import { ComponentFixture, TestBed } from '@angular/core/testing';

import { FakeClock } from '@oidc-session/angular/testing';
import { AuthService } from '../auth-service';
import { ProviderUnreachableError } from '../core/auth-errors';
import { CLOCK } from '../core/platform/clock';
import { SessionEnd } from '../core/session';
import { SessionEndingWarning } from './session-ending-warning';

describe('SessionEndingWarning', () => {
  let clock: FakeClock;
  let auth: {
    sessionEnding: WritableSignal<SessionEnd | null>;
    staySignedIn: jasmine.Spy<() => Promise<void>>;
    logout: jasmine.Spy<() => Promise<void>>;
  };
  let fixture: ComponentFixture<SessionEndingWarning>;
  /** A control of the page outside the panel, focused before the warning appears. */
  let pageButton: HTMLButtonElement;

  function setUp(platform = 'browser'): void {
    clock = new FakeClock();
    auth = {
      sessionEnding: signal<SessionEnd | null>(null),
      staySignedIn: jasmine.createSpy('staySignedIn').and.resolveTo(),
      logout: jasmine.createSpy('logout').and.resolveTo(),
    };
    TestBed.configureTestingModule({
      providers: [
        { provide: AuthService, useValue: auth },
        { provide: CLOCK, useValue: clock },
        { provide: PLATFORM_ID, useValue: platform },
      ],
    });
    fixture = TestBed.createComponent(SessionEndingWarning);
  }

  beforeEach(() => {
    // The component's 1 s interval runs on jasmine's clock; the time it reads is the FakeClock's.
    jasmine.clock().install();
    pageButton = document.createElement('button');
    pageButton.textContent = 'Page';
    document.body.appendChild(pageButton);
  });

  afterEach(() => {
    fixture?.destroy();
    pageButton.remove();
    jasmine.clock().uninstall();
  });

  async function warn(reason: SessionEnd['reason'], secondsLeft = 60): Promise<void> {
    auth.sessionEnding.set({ at: clock.now() + secondsLeft * 1000, reason });
    await fixture.whenStable();
  }

  /** Lets time pass a second at a time, as the page would see it. */
  async function pass(seconds: number): Promise<void> {
    for (let i = 0; i < seconds; i++) {
      clock.advance(1000);
      jasmine.clock().tick(1000);
    }
    await fixture.whenStable();
  }

  const host = () => fixture.nativeElement as HTMLElement;
  const panel = () => host().querySelector<HTMLElement>('[data-testid="session-ending-warning"]');
  const button = (label: string) =>
    [...host().querySelectorAll('button')].find((b) => b.textContent?.trim() === label)!;
  const countdown = () =>
    host().querySelector('[data-testid="session-ending-countdown"]')?.textContent?.trim();
  const announcement = () =>
    host().querySelector('[aria-live="polite"]')?.textContent?.trim() ?? '';
  const byId = (id: string | null | undefined) =>
    id ? document.getElementById(id)?.textContent?.replace(/\s+/g, ' ').trim() : undefined;
  const press = (target: Element, key: string, shiftKey = false) =>
    target.dispatchEvent(
      new KeyboardEvent('keydown', { key, shiftKey, bubbles: true, cancelable: true }),
    );

  it('renders nothing while the session is not ending', async () => {
    setUp();
    await fixture.whenStable();
    expect(panel()).toBeNull();
    expect(host().querySelectorAll('button').length).toBe(0);
    expect(announcement()).toBe('');
  });

  it('appears as a named, described alertdialog with both buttons', async () => {
    setUp();
    await warn('idle');
    const dialog = panel()!;
    expect(dialog.getAttribute('role')).toBe('alertdialog');
    expect(dialog.dataset['reason']).toBe('idle');
    expect(byId(dialog.getAttribute('aria-labelledby'))).toBe('Your session is about to end');
    expect(byId(dialog.getAttribute('aria-describedby'))).toBe(
      'You will be signed out in 1:00 because the session has not been used.',
    );
    expect(button('Stay signed in')).toBeTruthy();
    expect(button('Sign out')).toBeTruthy();
    // Non-modal, and the countdown is not itself live.
    expect(dialog.getAttribute('aria-modal')).toBeNull();
    expect(dialog.closest('[aria-live]')).toBeNull();
    expect(dialog.querySelector('[aria-live]')).toBeNull();
  });

  it('says why for a lifetime end', async () => {
    setUp();
    await warn('lifetime', 125);
    expect(panel()!.dataset['reason']).toBe('lifetime');
    expect(byId(panel()!.getAttribute('aria-describedby'))).toBe(
      'Your session reaches its time limit in 2:05. Stay signed in to sign in again and come back to this page.',
    );
  });

  it('takes focus to Stay signed in and gives it back to the page when it goes', async () => {
    setUp();
    pageButton.focus();
    await warn('idle');
    expect(document.activeElement).toBe(button('Stay signed in'));
    auth.sessionEnding.set(null);
    await fixture.whenStable();
    expect(panel()).toBeNull();
    expect(document.activeElement).toBe(pageButton);
  });

  it('leaves focus where the user put it outside the panel when it goes', async () => {
    setUp();
    const elsewhere = document.createElement('input');
    document.body.appendChild(elsewhere);
    pageButton.focus();
    await warn('idle');
    elsewhere.focus();
    auth.sessionEnding.set(null);
    await fixture.whenStable();
    expect(document.activeElement).toBe(elsewhere);
    elsewhere.remove();
  });

  it('keeps Tab and Shift+Tab between its two buttons', async () => {
    setUp();
    await warn('idle');
    const [stay, signOut] = [button('Stay signed in'), button('Sign out')];
    press(stay, 'Tab');
    expect(document.activeElement).toBe(signOut);
    press(signOut, 'Tab');
    expect(document.activeElement).toBe(stay);
    press(stay, 'Tab', true);
    expect(document.activeElement).toBe(signOut);
    press(signOut, 'Tab', true);
    expect(document.activeElement).toBe(stay);
  });

  it('gives focus back to the page on Escape and stays visible', async () => {
    setUp();
    pageButton.focus();
    await warn('idle');
    press(button('Sign out'), 'Escape');
    await fixture.whenStable();
    expect(document.activeElement).toBe(pageButton);
    expect(panel()).not.toBeNull();
  });

  it('counts down every second from the clock', async () => {
    setUp();
    await warn('idle', 75);
    expect(countdown()).toBe('1:15');
    await pass(1);
    expect(countdown()).toBe('1:14');
    await pass(20);
    expect(countdown()).toBe('0:54');
    // A device that slept: the next tick shows the time the clock says, never below zero.
    clock.advance(10 * 60_000);
    await pass(1);
    expect(countdown()).toBe('0:00');
  });

  it('stops its interval when hidden', async () => {
    setUp();
    await warn('idle');
    const ticks = spyOn(clock, 'now').and.callThrough();
    await pass(2);
    expect(ticks).toHaveBeenCalledTimes(2);
    auth.sessionEnding.set(null);
    await fixture.whenStable();
    ticks.calls.reset();
    await pass(5);
    expect(ticks).not.toHaveBeenCalled();
  });

  it('announces when it appears and then only at each minute, 30 and 10 seconds', async () => {
    setUp();
    await warn('idle', 150);
    const said = [announcement()];
    for (let left = 149; left >= 0; left--) {
      await pass(1);
      if (announcement() !== said[said.length - 1]) said.push(announcement());
    }
    expect(said).toEqual([
      'Your session is about to end: you will be signed out within 3 minutes.',
      'Your session is about to end: you will be signed out within 2 minutes.',
      'Your session is about to end: you will be signed out within 1 minute.',
      'Your session is about to end: you will be signed out within 30 seconds.',
      'Your session is about to end: you will be signed out within 10 seconds.',
    ]);
  });

  it('announces a lifetime end as such', async () => {
    setUp();
    await warn('lifetime', 45);
    expect(announcement()).toBe(
      'Your session is about to end: it reaches its time limit within 1 minute.',
    );
  });

  it('stays signed in once, disabled while it runs', async () => {
    setUp();
    let finish!: () => void;
    auth.staySignedIn.and.returnValue(new Promise<void>((resolve) => (finish = resolve)));
    await warn('idle');
    const stay = button('Stay signed in');
    stay.click();
    await fixture.whenStable();
    expect(stay.disabled).toBeTrue();
    stay.click();
    expect(auth.staySignedIn).toHaveBeenCalledTimes(1);
    finish();
    // After the component's own continuation of the same promise.
    await auth.staySignedIn.calls.mostRecent().returnValue;
    await fixture.whenStable();
    expect(stay.disabled).toBeFalse();
  });

  it('shows why when staying signed in fails, and lets the user try again', async () => {
    setUp();
    auth.staySignedIn.and.rejectWith(new ProviderUnreachableError('network'));
    await warn('idle');
    button('Stay signed in').click();
    await fixture.whenStable();
    expect(host().querySelector('[role="alert"]')?.textContent).toContain('could not be reached');
    expect(button('Stay signed in').disabled).toBeFalse();
    expect(document.activeElement).toBe(button('Stay signed in'));
    expect(panel()).not.toBeNull();
  });

  it('signs out', async () => {
    setUp();
    await warn('lifetime');
    button('Sign out').click();
    expect(auth.logout).toHaveBeenCalledTimes(1);
    expect(auth.staySignedIn).not.toHaveBeenCalled();
  });

  it('renders nothing and starts no timer on the server', async () => {
    setUp('server');
    const reads = spyOn(clock, 'now').and.callThrough();
    await warn('idle');
    reads.calls.reset();
    await pass(3);
    expect(panel()).toBeNull();
    expect(announcement()).toBe('');
    expect(reads).not.toHaveBeenCalled();
  });
});
