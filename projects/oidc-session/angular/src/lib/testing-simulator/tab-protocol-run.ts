import { AuthService } from '../auth-service';
import { DEFAULT_AUTH_TIMING } from '../core/config/auth-timing';
import { SessionState } from '../core/session';
import { accessTokenOf, refreshTokenOf } from './session-tokens';
import { AnswerFate, FakeProvider } from './fake-provider';
import { SimulatedBrowser } from './simulated-browser';
import { SimTab, TabSimulation, describeError } from './simulated-tabs';
import { ProtocolInvariants, SignOut } from './tab-protocol-invariants';
import { VirtualTime } from './virtual-time';

/** One thing that happens. `tab` picks among the tabs the step applies to (modulo their count). */
export type Step =
  | { readonly do: 'open' }
  | { readonly do: 'duplicate'; readonly tab: number }
  | { readonly do: 'reload'; readonly tab: number }
  | { readonly do: 'close'; readonly tab: number }
  | { readonly do: 'sign-in'; readonly tab: number }
  | { readonly do: 'return'; readonly tab: number }
  | {
      readonly do: 'request';
      readonly tab: number;
      readonly count: number;
      readonly refused: boolean;
    }
  | { readonly do: 'sign-out'; readonly tab: number }
  | { readonly do: 'slow'; readonly tab: number; readonly delayMs: number }
  | { readonly do: 'provider'; readonly fate: AnswerFate }
  | { readonly do: 'wait'; readonly ms: number };

/** A run: how many tabs are open after tab 1 signed in, then the steps. */
export interface Scenario {
  readonly initialTabs: number;
  readonly steps: readonly Step[];
}

export const MAX_TABS = 5;
export const ACCESS_TOKEN_LIFETIME_MS = 60_000;
/** The app's own limits (no discovery retries: the fake provider's metadata is always there). */
/**
 * Longest a request may take: waiting for the refresh lock (45 s), then in the lock a hand-over
 * (1.5 s) and three attempts (10 s each, 2.5 s of pauses); twice on the 401 path; with margin.
 */
const REQUEST_BOUND_MS = 180_000;
const BOOT_BOUND_MS = 120_000;

/** The run under way, if any: what the app logs goes into its story. */
let running: ProtocolRun | null = null;

/** Adds a line to the story of the run under way (for console output of the app). */
export function tellRunningStory(line: string): void {
  running?.say(line);
}

/**
 * Plays one scenario on a fresh simulation, checking the invariants after every step.
 * @throws an Error naming the violated invariant, with the run's story.
 */
export async function runScenario({ initialTabs, steps }: Scenario): Promise<void> {
  const run = new ProtocolRun();
  running = run;
  run.time.install();
  try {
    await run.prologue(initialTabs);
    for (const step of steps) {
      if (!run.perform(step)) continue;
      await run.after(step);
    }
    await run.quiesce();
  } finally {
    run.dispose();
    running = null;
  }
}

/** One run: the simulated tabs and provider, the story so far, and the invariants. */
export class ProtocolRun {
  readonly time = new VirtualTime();
  readonly browser = new SimulatedBrowser(this.time);
  readonly provider = new FakeProvider(
    () => this.time.now(),
    {
      latencyMs: 20,
      slowAnswerMs: 4_000,
      hangingAnswerMs: 30_000,
      accessTokenLifetimeMs: ACCESS_TOKEN_LIFETIME_MS,
      tokenRequestTimeoutMs: DEFAULT_AUTH_TIMING.tokenRequestTimeoutMs,
      revocationTimeoutMs: DEFAULT_AUTH_TIMING.revocationTimeoutMs,
      codeExchangeMs: 40,
    },
    (line) => this.say(line),
  );
  readonly sim: TabSimulation;
  readonly signOuts: SignOut[] = [];
  readonly signInStarts = new Map<string, number>();
  readonly invariants: ProtocolInvariants;
  private readonly lines: string[] = [];
  private stepNumber = 0;

  constructor() {
    this.sim = new TabSimulation(
      this.time,
      this.browser,
      this.provider,
      { timing: DEFAULT_AUTH_TIMING, apiLatencyMs: 10 },
      (line) => this.say(line),
      (tab, app, tokens) => {
        this.say(
          tokens
            ? `${app.page.label} holds generation ${tokens.generation} (${refreshTokenOf(tokens)})`
            : `${app.page.label} holds no session`,
        );
        this.invariants.held(tab, app, tokens);
      },
    );
    this.invariants = new ProtocolInvariants(this, {
      requestMs: REQUEST_BOUND_MS,
      bootMs: BOOT_BOUND_MS,
    });
    this.browser.onDelivery = ({ to, data }) => this.say(`${to} hears ${describeMessage(data)}`);
    // The refresh lock tells who refreshes when; the generation locks are in "holds" lines.
    this.browser.locks.onChange = ({ kind, name, clientId }) => {
      if (name.endsWith(':refresh'))
        this.say(`${clientId}: refresh lock ${kind === 'aborted' ? 'wait timed out' : kind}`);
    };
  }

  /** A line of the story, stamped with the virtual time. */
  say(line: string): void {
    this.lines.push(`    ${this.sim ? this.sim.elapsed() : '0.000s'}  ${line}`);
  }

  /** Tab 1 opens and signs in; more tabs open and join. */
  async prologue(initialTabs: number): Promise<void> {
    const first = this.sim.newTab();
    this.headline(`${first.name} opens`);
    this.sim.load(first);
    await this.settleLoading();
    this.headline(`${first.name}: the user signs in`);
    await this.startSignIn(first);
    this.headline(`${first.name} comes back from the provider`);
    this.sim.returnFromProvider(first);
    await this.settleLoading();
    for (let i = 1; i < initialTabs; i++) {
      const next = this.sim.newTab();
      this.headline(`${next.name} opens`);
      this.sim.load(next);
      await this.settleLoading();
    }
  }

  /** Performs one step; false when it did not apply (no tab it could apply to). */
  perform(step: Step): boolean {
    const sim = this.sim;
    const open = sim.tabs.filter((t) => t.state === 'open');
    const alive = sim.tabs.filter((t) => t.state !== 'closed');
    const atProvider = sim.tabs.filter((t) => t.state === 'at-provider');
    const pick = (tabs: SimTab[], index: number) =>
      tabs.length ? tabs[index % tabs.length] : null;
    // The Sign out button shows only with a session.
    const signedIn = open.filter((t) => t.app?.current);
    const among = step.do === 'return' ? atProvider : step.do === 'sign-out' ? signedIn : open;
    const t = 'tab' in step ? pick(among, step.tab) : null;
    switch (step.do) {
      case 'open': {
        if (alive.length >= MAX_TABS) return false;
        const tab = sim.newTab();
        this.headline(`${tab.name} opens`);
        sim.load(tab);
        return true;
      }
      case 'duplicate': {
        if (!t || alive.length >= MAX_TABS) return false;
        const twin = sim.newTab(t.storage.copy());
        this.headline(`${t.name} is duplicated (its sessionStorage copied): ${twin.name}`);
        sim.load(twin);
        return true;
      }
      case 'reload':
        if (!t) return false;
        this.headline(`${t.name} reloads`);
        sim.unload(t);
        sim.load(t);
        return true;
      case 'close': {
        const tab = pick(alive, step.tab);
        if (!tab || alive.length <= 1) return false;
        this.headline(`${tab.name} closes`);
        sim.unload(tab);
        tab.state = 'closed';
        return true;
      }
      case 'sign-in':
        if (!t) return false;
        this.headline(`${t.name}: the user starts a sign-in (the tab leaves for the provider)`);
        void this.startSignIn(t);
        return true;
      case 'return':
        if (!t) return false;
        this.headline(`${t.name} comes back from the provider with its code`);
        sim.returnFromProvider(t);
        return true;
      case 'request': {
        if (!t) return false;
        const refused = step.refused ? '; the API refuses the first one once' : '';
        this.headline(`${t.name} makes ${step.count} API request(s)${refused}`);
        for (let i = 0; i < step.count; i++) sim.request(t, step.refused && i === 0);
        return true;
      }
      case 'sign-out':
        if (!t) return false;
        this.headline(`${t.name}: the user signs out`);
        this.signOut(t);
        return true;
      case 'slow':
        if (!t?.app) return false;
        this.headline(
          step.delayMs
            ? `${t.name} becomes slow: messages reach it ${step.delayMs / 1000} s late`
            : `${t.name} is responsive again`,
        );
        t.app.page.deliveryDelayMs = step.delayMs;
        return true;
      case 'provider':
        this.headline(`the provider's next answer will be ${step.fate}`);
        this.provider.queueFate(step.fate);
        return true;
      case 'wait':
        this.headline(`${step.ms / 1000} s pass`);
        return true;
    }
  }

  /** Time passes after a step: a `wait` step's duration, else only what is due now. */
  async after(step: Step): Promise<void> {
    // Long waits in slices, so that the invariants see the middle too.
    for (let left = step.do === 'wait' ? step.ms : 0; ;) {
      const slice = Math.min(left, 5_000);
      await this.time.runFor(slice);
      left -= slice;
      this.check();
      if (left <= 0) break;
    }
  }

  /** Nothing more happens: whatever is in flight ends (or overruns its bound). */
  async quiesce(): Promise<void> {
    this.headline('nothing more happens for a while');
    for (let waited = 0; waited < REQUEST_BOUND_MS + 10_000; waited += 5_000) {
      await this.time.runFor(5_000);
      this.check();
    }
    const leftover = this.invariants.grantsRevoked();
    if (leftover) this.fail(leftover);
  }

  /** @throws the first violated invariant, with the story. */
  check(): void {
    const violation = this.invariants.findViolation();
    if (violation) this.fail(violation);
  }

  private fail(violation: string): never {
    throw new Error(`${violation}\n\nWhat happened:\n${this.lines.join('\n')}\n=> ${violation}`);
  }

  dispose(): void {
    for (const tab of this.sim.tabs) this.sim.unload(tab);
    this.time.uninstall();
  }

  private headline(text: string): void {
    this.stepNumber++;
    this.lines.push(`${this.stepNumber}. [${this.sim.elapsed()}] ${text}`);
  }

  private async startSignIn(tab: SimTab): Promise<void> {
    const step = this.stepNumber;
    const code = await this.sim.startSignIn(tab);
    if (code) this.signInStarts.set(code, step);
  }

  private signOut(tab: SimTab): void {
    const app = tab.app!;
    const record: SignOut = {
      by: app.page.label,
      step: this.stepNumber,
      startedAt: this.time.now(),
      completedAt: null,
      grant: this.provider.grantOf(refreshTokenOf(app.current)),
    };
    this.signOuts.push(record);
    // Leaving the page (another sign-out's navigation, a close) ends this one's part too.
    app.page.whenClosed(() => (record.completedAt ??= this.time.now()));
    this.sim
      .service(app, AuthService)
      .logout()
      .then(
        () => {
          if (!app.page.isOpen) return;
          record.completedAt = this.time.now();
          this.say(
            `${app.page.label}: sign-out complete; to the provider's end-session page and back`,
          );
          this.sim.unload(tab);
          this.sim.load(tab);
        },
        (error: unknown) =>
          this.sim.noticed.push(`${app.page.label}: logout() failed: ${describeError(error)}`),
      );
  }

  private async settleLoading(): Promise<void> {
    await this.time.runUntil(() => this.sim.tabs.every((t) => t.state !== 'loading'), 10_000);
    this.check();
  }
}

function describeMessage(data: unknown): string {
  const message = data as Record<string, unknown>;
  if (message['kind'] === 'session') {
    const tokens = message['tokens'] as SessionState;
    return `session (generation ${tokens.generation}, ${refreshTokenOf(tokens)})`;
  }
  const { kind, ...rest } = message;
  const details = Object.entries(rest)
    .map(([key, value]) => `${key} ${String(value)}`)
    .join(', ');
  return details ? `${String(kind)} (${details})` : String(kind);
}
