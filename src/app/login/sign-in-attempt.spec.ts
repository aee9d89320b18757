import { TestBed } from '@angular/core/testing';

import { SignInAttempt } from './sign-in-attempt';

describe('SignInAttempt', () => {
  let attempt: SignInAttempt;

  beforeEach(() => {
    sessionStorage.clear();
    attempt = TestBed.inject(SignInAttempt);
  });
  afterEach(() => sessionStorage.clear());

  it('tells a page restored with Back after a sign-in left, once', () => {
    attempt.started();
    expect(attempt.cameBackWithoutAnswer(true)).toBeTrue();
    expect(attempt.cameBackWithoutAnswer(true)).withContext('forgotten once told').toBeFalse();
  });

  it('says nothing on a page reached any other way (the test page was not loaded with Back)', () => {
    attempt.started();
    expect(attempt.cameBackWithoutAnswer(false)).toBeFalse();
    expect(sessionStorage.length).withContext('the mark is gone either way').toBe(0);
  });

  it('says nothing when no sign-in left, or when it did not leave after all', () => {
    expect(attempt.cameBackWithoutAnswer(true)).toBeFalse();
    attempt.started();
    attempt.forget();
    expect(attempt.cameBackWithoutAnswer(true)).toBeFalse();
  });

  it('ignores a sign-in that left more than ten minutes ago', () => {
    sessionStorage.setItem('oidc-session.sign-in-started', String(Date.now() - 11 * 60 * 1000));
    expect(attempt.cameBackWithoutAnswer(true)).toBeFalse();
  });

  it('keeps only a timestamp', () => {
    attempt.started();
    expect(Object.keys(sessionStorage)).toEqual(['oidc-session.sign-in-started']);
    expect(sessionStorage.getItem('oidc-session.sign-in-started')).toMatch(/^\d+$/);
  });
});
