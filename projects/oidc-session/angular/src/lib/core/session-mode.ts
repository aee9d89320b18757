import { EnvironmentInjector, Injectable, InjectionToken, inject } from '@angular/core';

import { AuthConfigError } from './auth-errors';
import { ModeConfigRules } from './config/config-types';
import { SessionBackend } from './session-backend';

/**
 * A mode the app declared (`withBrowserMode()`, `withBffMode()`): its name, and how to load its
 * configuration rules and its code, each with an `import()`, so that an app ships no code of a
 * mode it did not declare, and pays for a declared one only when start-up needs it.
 */
export interface SessionMode {
  /** The value of `"mode"` in auth.config.json that picks this mode. */
  readonly name: string;
  /**
   * Whether the session can reach a server that renders a page (bff mode: the cookie comes with
   * the page request; browser mode: the tokens never leave the tab). The server then treats
   * every page it renders as one that may show who is signed in: private, never cached.
   */
  readonly sessionReachesServer: boolean;
  /** Loads the mode's part of the configuration's rules (start-up checks the file with them). */
  loadRules(): Promise<ModeConfigRules>;
  /** Loads the mode and makes its backend in an injector of its own under `parent`. */
  load(parent: EnvironmentInjector): Promise<SessionBackend>;
}

/** The declared modes, in declaration order (the first is the default when `mode` is absent). */
export const SESSION_MODES = new InjectionToken<readonly SessionMode[]>('SESSION_MODES');

/** Picks and loads the configured mode's backend at start-up. */
@Injectable({ providedIn: 'root' })
export class SessionModes {
  private readonly injector = inject(EnvironmentInjector);
  readonly declared: readonly SessionMode[] = inject(SESSION_MODES, { optional: true }) ?? [];

  async load(name: string): Promise<SessionBackend> {
    const mode = this.find(name);
    // The configuration was validated against the same list, so this is a wiring mistake.
    if (!mode) throw new AuthConfigError('mode', `"${name}" is not a declared mode`);
    return mode.load(this.injector);
  }

  /** The declared mode of this name; null when there is none. */
  find(name: string): SessionMode | null {
    return this.declared.find((declared) => declared.name === name) ?? null;
  }
}
