import { Clock } from '@oidc-session/angular';

/** A clock that only moves when told to, like a laptop lid that opens after a long sleep. */
export class FakeClock implements Clock {
  constructor(private time = Date.UTC(2026, 0, 1, 9, 0, 0)) {}

  now(): number {
    return this.time;
  }

  advance(ms: number): void {
    this.time += ms;
  }

  set(epochMs: number): void {
    this.time = epochMs;
  }
}
