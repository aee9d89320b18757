import {
  HttpBackend,
  HttpErrorResponse,
  HttpEvent,
  HttpHeaders,
  HttpRequest,
  HttpResponse,
} from '@angular/common/http';
import { Observable } from 'rxjs';

import { SimulatedPage } from './simulated-browser';
import { VirtualTime } from './virtual-time';

/**
 * What happens to the next call to the BFF's own endpoints: answered at once, slowly (under the app's timeout),
 * so late that the app gives up first (`hang`), handled but the answer never arrives (`lost`),
 * or not reaching the BFF at all (`unreachable`: offline, the BFF down).
 */
export type BffFate = 'prompt' | 'slow' | 'hang' | 'lost' | 'unreachable';

/** A session as the simulated BFF stores it. */
export interface SimulatedBffSession {
  readonly id: string;
  /** The run's step that started the sign-in which made it. */
  readonly signInStep: number;
  version: number;
  accessExpiresAt: number;
  ended: string | null;
}

/** One call to `/bff/refresh` as it left a page, and what became of it. */
export interface BffRefreshCall {
  readonly page: string;
  readonly version: number;
  readonly sentAt: number;
  endedAt: number | null;
  /** Whether the page got a session answer for it. */
  answered: boolean;
}

export interface SimulatedBffTiming {
  readonly latencyMs: number;
  readonly slowAnswerMs: number;
  readonly hangingAnswerMs: number;
  readonly accessTokenLifetimeMs: number;
}

const SESSION_COOKIE = 'bff_session';
const PENDING_COOKIE = 'bff_signout_pending';
const LOGIN_COOKIE = 'bff_login';
/** The claim that names the BFF session a tab holds (the simulation's, not the real BFF's). */
export const SESSION_CLAIM = 'bff_session_id';

interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly source: 'bff' | 'api';
  /** Cookies the answer sets (null: clears). */
  readonly cookies: ReadonlyMap<string, string | null>;
}

/**
 * A BFF for simulated tabs, following bff/README.md: one session per browser cookie, versions
 * +1 per refresh, the pending sign-out cookie honoured before anything else, `GET /bff/session`
 * answering signed-out as `200 {"user": null}`, 401 with `X-BFF-Source: bff` when the session is
 * gone. The browser's cookie jar is shared by every tab; cookies an answer sets arrive with it
 * (a lost answer sets none), whether or not its page is still there or its caller still waits, as
 * a browser does. Answers can be slow, hang, get lost or never get there.
 */
export class SimulatedBff {
  readonly sessions = new Map<string, SimulatedBffSession>();
  /** The origin's cookies in the browser. */
  readonly jar = new Map<string, string>();
  readonly refreshCalls: BffRefreshCall[] = [];
  /** (session, version) pairs refreshed at the provider. */
  readonly refreshed: string[] = [];
  revocations = 0;
  /** Cookie changes no user decided: a late answer that cleared a newer sign-in's cookie. */
  readonly noticed: string[] = [];
  private readonly fates: BffFate[] = [];
  private nextId = 1;

  constructor(
    private readonly time: VirtualTime,
    readonly timing: SimulatedBffTiming,
    private readonly say: (line: string) => void,
  ) {}

  queueFate(...fates: BffFate[]): void {
    this.fates.push(...fates);
  }

  /** Every further call is answered promptly. */
  clearFates(): void {
    this.fates.length = 0;
  }

  /** The sign-in callback: a new session and cookie; the session the cookie named ends. */
  signIn(step: number): SimulatedBffSession {
    const previous = this.session(this.jar.get(SESSION_COOKIE));
    if (previous && !previous.ended) previous.ended = 'signed_out';
    const session: SimulatedBffSession = {
      id: `s${this.nextId++}`,
      signInStep: step,
      version: 1,
      accessExpiresAt: this.time.now() + this.timing.accessTokenLifetimeMs,
      ended: null,
    };
    this.sessions.set(session.id, session);
    this.jar.set(SESSION_COOKIE, session.id);
    this.say(`BFF: sign-in of step ${step} creates session ${session.id}`);
    return session;
  }

  session(id: string | undefined): SimulatedBffSession | undefined {
    return id === undefined ? undefined : this.sessions.get(id);
  }

  /** What the app's SIGN_OUT_PENDING_COOKIE writes (document.cookie). */
  writePendingCookie(pending: boolean): void {
    if (pending) this.jar.set(PENDING_COOKIE, '1');
    else this.jar.delete(PENDING_COOKIE);
  }

  /** The HTTP layer of one page: calls to `/bff/*` and the API go to this BFF. */
  backendFor(page: SimulatedPage): HttpBackend {
    return { handle: (request) => this.handle(page, request) } as HttpBackend;
  }

  private handle(
    page: SimulatedPage,
    request: HttpRequest<unknown>,
  ): Observable<HttpEvent<unknown>> {
    return new Observable((subscriber) => {
      if (!page.isOpen) return;
      const url = request.urlWithParams;
      const path = new URL(url, 'https://app.example.test').pathname;
      // Fates apply to the session layer's own calls; the API's answers (which the app does not
      // time out: that is the caller's business) always come.
      const fate = path.startsWith('/bff/') ? (this.fates.shift() ?? 'prompt') : 'prompt';
      // What the browser sends: the cookies as they are now.
      const cookies = new Map(this.jar);
      const refresh: BffRefreshCall | null =
        path === '/bff/refresh'
          ? {
              page: page.label,
              version: (request.body as { version: number }).version,
              sentAt: this.time.now(),
              endedAt: null,
              answered: false,
            }
          : null;
      if (refresh) this.refreshCalls.push(refresh);
      const end = (answered: boolean) => {
        if (refresh && refresh.endedAt === null) {
          refresh.endedAt = this.time.now();
          refresh.answered = answered;
        }
      };
      page.whenClosed(() => end(false));
      let answerTimer: ReturnType<typeof setTimeout> | undefined;
      let abandoned = false;
      const arrival = setTimeout(() => {
        if (fate === 'unreachable') {
          this.say(`BFF: ${page.label}'s ${request.method} ${path} does not get there`);
          end(false);
          if (page.isOpen) subscriber.error(new HttpErrorResponse({ status: 0, url }));
          return;
        }
        const answer = this.process(path, request, cookies);
        const delay =
          fate === 'slow'
            ? this.timing.slowAnswerMs
            : fate === 'hang'
              ? this.timing.hangingAnswerMs
              : this.timing.latencyMs;
        this.say(
          `BFF: ${page.label}'s ${request.method} ${path} -> ${answer.status} ` +
            `${JSON.stringify(answer.body)}${fate === 'prompt' ? '' : ` (answer ${fate})`}`,
        );
        if (fate === 'lost') return;
        answerTimer = setTimeout(() => {
          this.setCookies(answer, cookies, path, `${page.label}'s ${request.method} ${path}`);
          if (!page.isOpen || abandoned) return;
          end(answer.status === 200);
          const headers = new HttpHeaders({ 'X-BFF-Source': answer.source });
          if (answer.status === 200) {
            subscriber.next(new HttpResponse({ status: 200, url, headers, body: answer.body }));
            subscriber.complete();
          } else {
            subscriber.error(
              new HttpErrorResponse({ status: answer.status, url, headers, error: answer.body }),
            );
          }
        }, delay);
      }, this.timing.latencyMs);
      // The app gave up (timeout) or went away: the answer, if any, is not taken.
      // The answer still sets its cookies when it comes (see setCookies).
      return () => {
        clearTimeout(arrival);
        abandoned = true;
        end(false);
      };
    });
  }

  /** The BFF's side, at the moment the request arrives. */
  /**
   * The browser applies an answer's cookies. Clearing the session cookie when it no longer names
   * the session the request carried undoes a sign-in made meanwhile. That is noticed unless the
   * request carried the user's sign-out (`/bff/logout`, or the pending cookie): a sign-out wins
   * over a sign-in that started before it.
   */
  private setCookies(
    answer: Answer,
    sent: ReadonlyMap<string, string>,
    path: string,
    call: string,
  ): void {
    const signOut = path === '/bff/logout' || sent.get(PENDING_COOKIE) === '1';
    answer.cookies.forEach((value, name) => {
      if (name === SESSION_COOKIE && value === null && this.jar.has(name) && !signOut) {
        const now = this.jar.get(name);
        if (now !== sent.get(name))
          this.noticed.push(
            `a sign-in is not undone: ${call}, sent with ${sent.get(name) ?? 'no session'}, ` +
              `cleared the cookie of session ${now} on arrival`,
          );
      }
      if (value === null) this.jar.delete(name);
      else this.jar.set(name, value);
    });
  }

  private process(
    path: string,
    request: HttpRequest<unknown>,
    cookies: Map<string, string>,
  ): Answer {
    const set = new Map<string, string | null>();
    const reply = (status: number, body: unknown, source: 'bff' | 'api' = 'bff'): Answer => ({
      status,
      body,
      source,
      cookies: set,
    });
    const id = cookies.get(SESSION_COOKIE);
    const pending = cookies.get(PENDING_COOKIE) === '1';
    // requireSession: the pending sign-out first, then the lookup.
    let session = this.session(id);
    let gone: { error: string; reason?: string } | null = null;
    if (pending) {
      if (session && !session.ended) this.end(session);
      set.set(PENDING_COOKIE, null);
      if (session) set.set(LOGIN_COOKIE, null);
    }
    // Only the user's decision clears the cookie: an answer about an ended session may arrive
    // after a sign-in set a new one (bff/session-http.ts, requireSession).
    if (pending && id !== undefined) set.set(SESSION_COOKIE, null);
    if (!session) {
      gone = { error: 'no_session' };
    } else if (pending || session.ended) {
      gone = { error: 'session_ended', reason: session.ended ?? 'signed_out' };
      session = undefined;
    }
    switch (path) {
      case '/bff/session':
        return gone
          ? reply(200, { user: null, ...(gone.reason ? { reason: gone.reason } : {}) })
          : reply(200, this.view(session!));
      case '/bff/refresh': {
        if (gone) return reply(401, gone);
        const seen = (request.body as { version: number }).version;
        if (session!.version > seen)
          return reply(200, { ...this.view(session!), refreshed: false });
        this.refreshAtProvider(session!);
        return reply(200, { ...this.view(session!), refreshed: true });
      }
      case '/bff/logout':
        set.set(PENDING_COOKIE, null);
        set.set(LOGIN_COOKIE, null);
        if (gone) {
          set.set(SESSION_COOKIE, null);
          return reply(200, { endSessionUrl: null });
        }
        this.end(session!);
        set.set(SESSION_COOKIE, null);
        return reply(200, { endSessionUrl: 'https://idp.example.test/session/end' });
      default:
        // The API proxy: refreshes first when the access token is (nearly) expired.
        if (gone) return reply(401, gone);
        if (this.time.now() >= session!.accessExpiresAt - 5_000) this.refreshAtProvider(session!);
        return reply(200, { items: [] }, 'api');
    }
  }

  private refreshAtProvider(session: SimulatedBffSession): void {
    this.refreshed.push(`${session.id}@${session.version}`);
    session.version++;
    session.accessExpiresAt = this.time.now() + this.timing.accessTokenLifetimeMs;
  }

  private end(session: SimulatedBffSession): void {
    session.ended = 'signed_out';
    this.revocations++;
    this.say(`BFF: session ${session.id} ended, its refresh token revoked`);
  }

  private view(session: SimulatedBffSession) {
    return {
      user: { sub: 'alice', name: 'Alice', [SESSION_CLAIM]: session.id },
      accessTokenExpiresIn: Math.max(
        0,
        Math.floor((session.accessExpiresAt - this.time.now()) / 1000),
      ),
      version: session.version,
      sessionExpiresIn: 86_400,
    };
  }
}
