import { isSessionState, readSessionState, toSession } from './session';

// The core's session state keeps the mode's tokens in `credentials`; states stored, or sent by a
// tab, of earlier versions (tokens as fields of their own, no epoch) are still read.
describe('reading a session state', () => {
  const claims = { sub: 'alice', name: 'Alice' };

  it('moves an earlier version’s browser-mode token set into credentials', () => {
    const old = {
      accessToken: 'a',
      refreshToken: 'r',
      idToken: 'i',
      tokenType: 'DPoP',
      claims,
      receivedAt: 1,
      expiresAt: 2,
      generation: 3,
    };
    expect(readSessionState(old)).toEqual({
      claims,
      receivedAt: 1,
      expiresAt: 2,
      generation: 3,
      epoch: 0,
      canRefresh: true,
      heldBy: 'tab',
      credentials: { accessToken: 'a', refreshToken: 'r', idToken: 'i', tokenType: 'DPoP' },
    });
  });

  it('moves an earlier version’s BFF-mode state: no credentials, refreshable by the BFF', () => {
    const old = {
      accessToken: null,
      refreshToken: null,
      idToken: null,
      serverHeld: true,
      sessionEndsAt: 9,
      claims,
      receivedAt: 1,
      expiresAt: 2,
      generation: 3,
      epoch: 4,
    };
    const state = readSessionState(old)!;
    expect(state.credentials).toBeNull();
    expect(toSession(state)).toEqual(
      jasmine.objectContaining({ heldBy: 'server', hasRefreshToken: true, sessionEndsAt: 9 }),
    );
  });

  it('refuses credentials that are not strings, and a state without its core fields', () => {
    const state = {
      claims,
      receivedAt: 1,
      expiresAt: 2,
      generation: 3,
      epoch: 0,
      canRefresh: true,
      heldBy: 'tab',
      credentials: { accessToken: 'a' },
    };
    expect(isSessionState(state)).toBeTrue();
    expect(isSessionState({ ...state, credentials: { accessToken: 7 } })).toBeFalse();
    expect(isSessionState({ ...state, heldBy: 'elsewhere' })).toBeFalse();
    expect(readSessionState({ ...state, canRefresh: undefined })).toBeNull();
  });
});
