import { ProviderUnreachableError, SessionEndReason, SessionExpiredError } from './auth-errors';
import { EndScope, classifyRefreshFailure } from './failure-policy';

// The one classification both modes' refresh failures go through (failure-policy.spec.ts drives
// the same policy end to end through real HTTP answers).
describe('classifyRefreshFailure', () => {
  const definitive: [SessionEndReason, EndScope][] = [
    ['refresh_rejected', 'every-tab'],
    ['malformed_token_response', 'every-tab'],
    ['no_refresh_token', 'every-tab'],
    ['ended_by_server', 'every-tab'],
    ['idle_timeout', 'every-tab'],
    ['lifetime_reached', 'every-tab'],
    ['superseded', 'this-tab'],
    ['signed_out', 'none'],
  ];
  for (const [reason, ends] of definitive) {
    it(`ends the session in ${ends} for ${reason}`, () => {
      const error = new SessionExpiredError(reason);
      expect(classifyRefreshFailure(error)).toEqual({ kind: 'definitive', error, ends });
    });
  }

  it('keeps the session for an unreachable provider, with its reason and attempts', () => {
    const error = new ProviderUnreachableError('server_error', 503, 3);
    expect(classifyRefreshFailure(error)).toEqual({ kind: 'transient', error });
  });

  it('treats anything else (a timeout, a bug) as transient: never a reason to sign out', () => {
    const failure = classifyRefreshFailure(new TypeError('x is undefined'));
    expect(failure.kind).toBe('transient');
    expect(failure.error).toEqual(jasmine.any(ProviderUnreachableError));
    expect((failure.error as ProviderUnreachableError).reason).toBe('timeout');
  });
});
