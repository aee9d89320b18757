import { AuthStartupReporter, isAuthError } from '@oidc-session/angular';

/**
 * Start-up progress and failures, written into `#boot-status` in index.html: the one element
 * that exists before Angular renders, so a broken configuration or an unreachable provider is
 * explained on the page instead of leaving it blank.
 */
export const pageStartupReporter: AuthStartupReporter = {
  waiting(message) {
    console.warn(`[auth] ${message}`);
    show(message, 'waiting');
  },
  ready() {
    const element = document.getElementById('boot-status');
    if (element) element.hidden = true;
  },
  failed(error) {
    console.error('[auth] The app could not start:', error);
    // The page the server rendered cannot come to life without the session layer: its buttons
    // would do nothing. Take it away, so that the message below is all there is.
    document.querySelector('app-root')?.replaceChildren();
    const message = isAuthError(error)
      ? error.message
      : `Unexpected start-up error: ${String(error)}`;
    show(message, 'failed');
  },
};

function show(message: string, state: 'waiting' | 'failed'): void {
  const element = document.getElementById('boot-status');
  if (!element) return;
  element.hidden = false;
  element.dataset['state'] = state;
  element.setAttribute('role', state === 'failed' ? 'alert' : 'status');
  const text = element.querySelector('[data-boot-message]');
  if (text) text.textContent = message;
}
