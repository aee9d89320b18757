import { AuthService } from '../auth-service';
import { SIGN_OUT_PENDING_KEY } from '../core/tabs/sign-out-pending';
import { BffProtocolInvariants, BffSignOut, REQUEST_BOUND_MS } from './bff-protocol-invariants';
import { BffTab, BffTabSimulation, sessionOf } from './bff-tab-simulation';
import { BffFate, SimulatedBff } from './simulated-bff';
import { SimulatedBrowser } from './simulated-browser';
import { describeError } from './simulated-tabs';
import { VirtualTime } from './virtual-time';

/** One thing that happens in bff mode. `tab` picks among the tabs it applies to (modulo). */
export type BffStep =
  | { readonly do: 'open' }
  | { readonly do: 'reload'; readonly tab: number }
  | { readonly do: 'close'; readonly tab: number }
  | { readonly do: 'sign-in'; readonly tab: number }
  | { readonly do: 'return'; readonly tab: number }
  | { readonly do: 'request'; readonly tab: number; readonly count: number }
  | { readonly do: 'sign-out'; readonly tab: number }
  | { readonly do: 'slow'; readonly tab: number; readonly delayMs: number }
  | { readonly do: 'bff'; readonly fates: readonly BffFate[] }
  | { readonly do: 'wait'; readonly ms: number };

export interface BffScenario {
  readonly initialTabs: number;
  readonly steps: readonly BffStep[];
}

const MAX_TABS = 4;

let running: BffProtocolRun | null = null;

/** Adds a line to the story of the bff-mode run under way (console output of the app). */
export function tellRunningBffStory(line: string): void {
  running?.say(line);
}

/**
 * Plays one bff-mode scenario, checking after every step: (1) after a sign-out, no tab holds a
 * session of a sign-in started before it (a tab the news has not reached yet is excused);
 * (2) one refresh per version: a page never has two refresh calls of one version on the wire,
 * and the BFF refreshes each version of a session once; (3) requests and page loads end within a
 * bound; (4) a sign-in is not undone: an answer that arrives after a sign-in set a new cookie
 * clears it only if it carried the user's sign-out (simulated-bff.ts); and at the end, once the
 * BFF is reachable and a tab loads again, no tab is left on an
 * ended session, every session signed out of has ended at the BFF and nothing is pending.
 */
export async function runBffScenario({ initialTabs, steps }: BffScenario): Promise<void> {
  const run = new BffProtocolRun();
  running = run;
  run.time.install();
  try {
    await run.prologue(initialTabs);
    for (const step of steps) {
      if (!run.perform(step)) continue;
      await run.after(step);
    }
    await run.epilogue();
  } finally {
    run.dispose();
    running = null;
  }
}

class BffProtocolRun {
  readonly time = new VirtualTime();
  readonly browser = new SimulatedBrowser(this.time);
  readonly bff = new SimulatedBff(
    this.time,
    { latencyMs: 20, slowAnswerMs: 4_000, hangingAnswerMs: 30_000, accessTokenLifetimeMs: 60_000 },
    (line) => this.say(line),
  );
  readonly sim: BffTabSimulation;
  readonly signOuts: BffSignOut[] = [];
  private readonly invariants = new BffProtocolInvariants(this);
  private readonly lines: string[] = [];
  private readonly noticed: string[] = [];
  private stepNumber = 0;
  private readonly started = this.time.now();

  constructor() {
    this.sim = new BffTabSimulation(
      this.time,
      this.browser,
      this.bff,
      (line) => this.say(line),
      (app, tokens) => {
        const session = sessionOf(tokens);
        this.say(
          tokens
            ? `${app.page.label} holds ${session} v${tokens.generation}`
            : `${app.page.label} holds no session`,
        );
        // Taking a session is the moment to check; dropping one is checked after the step.
        const violation = tokens ? this.invariants.signOutWins() : null;
        if (violation) this.noticed.push(violation);
      },
    );
    this.browser.onDelivery = ({ to, data }) =>
      this.say(`${to} hears ${(data as { kind: string }).kind}`);
  }

  say(line: string): void {
    this.lines.push(`    ${((this.time.now() - this.started) / 1000).toFixed(3)}s  ${line}`);
  }

  async prologue(initialTabs: number): Promise<void> {
    const first = this.sim.newTab();
    this.headline(`${first.name} opens and the user signs in`);
    this.sim.load(first);
    await this.settleLoading();
    await this.sim.startSignIn(first, this.stepNumber);
    this.sim.returnFromProvider(first);
    await this.settleLoading();
    for (let i = 1; i < initialTabs; i++) {
      const next = this.sim.newTab();
      this.headline(`${next.name} opens`);
      this.sim.load(next);
      await this.settleLoading();
    }
  }

  perform(step: BffStep): boolean {
    const sim = this.sim;
    const open = sim.tabs.filter((t) => t.state === 'open');
    const alive = sim.tabs.filter((t) => t.state !== 'closed');
    const pick = (tabs: BffTab[], index: number) =>
      tabs.length ? tabs[index % tabs.length] : null;
    const among =
      step.do === 'return'
        ? sim.tabs.filter((t) => t.state === 'at-provider')
        : step.do === 'sign-out'
          ? open.filter((t) => t.app?.current)
          : step.do === 'close'
            ? alive
            : open;
    const t = 'tab' in step ? pick(among, step.tab) : null;
    switch (step.do) {
      case 'open': {
        if (alive.length >= MAX_TABS) return false;
        const tab = sim.newTab();
        this.headline(`${tab.name} opens`);
        sim.load(tab);
        return true;
      }
      case 'reload':
        if (!t) return false;
        this.headline(`${t.name} reloads`);
        sim.unload(t);
        sim.load(t);
        return true;
      case 'close':
        if (!t || alive.length <= 1) return false;
        this.headline(`${t.name} closes`);
        sim.unload(t);
        t.state = 'closed';
        return true;
      case 'sign-in':
        if (!t) return false;
        this.headline(`${t.name}: the user presses Sign in`);
        void sim.startSignIn(t, this.stepNumber);
        return true;
      case 'return':
        if (!t) return false;
        this.headline(`${t.name} comes back through the BFF's callback`);
        sim.returnFromProvider(t);
        return true;
      case 'request':
        if (!t) return false;
        this.headline(`${t.name} makes ${step.count} API request(s)`);
        for (let i = 0; i < step.count; i++) sim.request(t);
        return true;
      case 'sign-out':
        if (!t) return false;
        this.headline(`${t.name}: the user signs out`);
        this.signOut(t);
        return true;
      case 'slow':
        if (!t?.app) return false;
        this.headline(`${t.name}: messages reach it ${step.delayMs / 1000} s late`);
        t.app.page.deliveryDelayMs = step.delayMs;
        return true;
      case 'bff':
        this.headline(`the BFF's next answers: ${step.fates.join(', ')}`);
        this.bff.queueFate(...step.fates);
        return true;
      case 'wait':
        this.headline(`${step.ms / 1000} s pass`);
        return true;
    }
  }

  async after(step: BffStep): Promise<void> {
    for (let left = step.do === 'wait' ? step.ms : 0; ;) {
      const slice = Math.min(left, 5_000);
      await this.time.runFor(slice);
      left -= slice;
      this.check();
      if (left <= 0) break;
    }
  }

  /**
   * Everything settles with the BFF reachable; every open tab makes a request and one tab
   * loads again (a pending sign-out is sent then at the latest). Then no tab is on an ended
   * session, every session signed out of has ended at the BFF, and nothing is pending.
   */
  async epilogue(): Promise<void> {
    this.headline('the BFF is reachable again; nothing else happens for a while');
    this.bff.clearFates();
    for (let waited = 0; waited < REQUEST_BOUND_MS; waited += 5_000) {
      await this.time.runFor(5_000);
      this.check();
    }
    const open = this.sim.tabs.filter((t) => t.state === 'open');
    this.headline('every open tab makes a request; the first one reloads');
    open.forEach((tab) => this.sim.request(tab));
    await this.time.runFor(30_000);
    const first = this.sim.tabs.find((t) => t.state === 'open');
    if (first) {
      this.sim.unload(first);
      this.sim.load(first);
    }
    await this.settleLoading();
    await this.time.runFor(30_000);
    this.check();
    for (const tab of this.sim.tabs) {
      const held = sessionOf(tab.app?.current ?? null);
      if (tab.state === 'open' && held && this.bff.session(held)?.ended)
        this.fail(
          `no tab left on an ended session: ${tab.app!.page.label} holds ${held}, ended at the BFF`,
        );
    }
    if (!first) return;
    for (const signOut of this.signOuts) {
      const session = this.bff.session(signOut.session ?? undefined);
      if (session && !session.ended)
        this.fail(
          `sign-out completes: session ${session.id} signed out of at step ${signOut.step} is still live at the BFF`,
        );
    }
    if (
      this.browser.localStorage.getItem(SIGN_OUT_PENDING_KEY) !== null ||
      this.bff.jar.has('bff_signout_pending')
    )
      this.fail('sign-out completes: a sign-out is still pending although the BFF was reachable');
  }

  check(): void {
    const violation =
      this.noticed[0] ??
      this.sim.noticed[0] ??
      this.bff.noticed[0] ??
      this.invariants.findViolation();
    if (violation) this.fail(violation);
  }

  dispose(): void {
    for (const tab of this.sim.tabs) this.sim.unload(tab);
    this.time.uninstall();
  }

  private signOut(tab: BffTab): void {
    const app = tab.app!;
    this.signOuts.push({
      by: app.page.label,
      step: this.stepNumber,
      startedAt: this.time.now(),
      session: sessionOf(app.current),
    });
    this.sim
      .service(app, AuthService)
      .logout()
      .then(
        () => {
          if (!app.page.isOpen || tab.app !== app) return;
          this.say(`${app.page.label}: signed out; the page goes on (end-session page or home)`);
          this.sim.unload(tab);
          this.sim.load(tab);
        },
        (error: unknown) =>
          this.sim.noticed.push(`${app.page.label}: logout() failed: ${describeError(error)}`),
      );
  }

  private fail(violation: string): never {
    throw new Error(`${violation}\n\nWhat happened:\n${this.lines.join('\n')}\n=> ${violation}`);
  }

  private headline(text: string): void {
    this.stepNumber++;
    this.lines.push(
      `${this.stepNumber}. [${((this.time.now() - this.started) / 1000).toFixed(3)}s] ${text}`,
    );
  }

  private async settleLoading(): Promise<void> {
    await this.time.runUntil(() => this.sim.tabs.every((t) => t.state !== 'loading'), 10_000);
    this.check();
  }
}
