import { AuthEvent } from '@oidc-session/angular';

/** One line of plain language per session event, for the timeline. Never includes a token. */
export function describeEvent(event: AuthEvent, heldBy: 'tab' | 'server' = 'tab'): string {
  switch (event.type) {
    case 'signed-in':
      return heldBy === 'server'
        ? 'Signed in; the BFF holds the tokens, and every tab shares the session it reports.'
        : 'Signed in; the first token set is shared with every tab.';
    case 'refresh-started':
      return `Refresh started (${triggers[event.trigger]}).`;
    case 'refresh-succeeded':
      return (
        `New access token (generation ${event.generation}, ` +
        `${event.by === 'this-tab' ? 'refreshed by this tab' : 'another tab refreshed first'}), ` +
        `valid until ${clockTime(event.expiresAt)}.`
      );
    case 'refresh-failed-transient':
      return `Refresh failed for now (${event.reason}, ${event.attempts} attempt${event.attempts === 1 ? '' : 's'}); the session is kept.`;
    case 'refresh-failed-definitive':
      return `The provider refused the refresh (${event.reason}${event.detail ? `: ${event.detail}` : ''}); the session ends.`;
    case 'request-retried':
      return `The API answered 401; retried ${event.url} once with the new token.`;
    case 'step-up-required':
      return `The API asked for a stronger sign-in for ${event.url}; no refresh was made.`;
    case 'step-up-started':
      return (
        `${event.automatic ? 'Left automatically' : 'Left'} for a stronger sign-in` +
        `${event.acrValues ? ` (${event.acrValues})` : ''}` +
        `${event.maxAge !== null ? `, no older than ${event.maxAge} s` : ''}.`
      );
    case 'session-ending':
      return `The session ends at ${clockTime(event.endsAt)} (${
        event.reason === 'idle' ? 'unused for its idle timeout' : 'the end of its lifetime'
      }) unless you stay signed in.`;
    case 'tab-joined':
      return 'Another tab opened and received this session.';
    case 'dpop-unavailable':
      return `Signed in with Bearer tokens: this browser cannot keep a DPoP key (${event.reason}).`;
    case 'session-adopted':
      return `Adopted generation ${event.generation} from another tab (${adoptions[event.source]}).`;
    case 'signed-out':
      return `Signed out ${event.where === 'here' ? 'in this tab' : 'in another tab'} (${event.reason === 'logout' ? 'sign-out' : 'session expired'}).`;
  }
}

const triggers = {
  expiry: 'the access token is about to expire',
  rejected: 'the API rejected the token',
  guard: 'a guarded page needs a valid token',
  online: 'the network is back',
  startup: 'start-up',
} as const;

const adoptions = {
  join: 'this tab joined the live session',
  'refresh-elsewhere': 'it refreshed first',
  'sign-in-elsewhere': 'it signed in',
} as const;

function clockTime(epochMs: number): string {
  return new Date(epochMs).toLocaleTimeString([], { hour12: false });
}
