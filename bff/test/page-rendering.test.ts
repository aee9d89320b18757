/**
 * Server-side rendering through the BFF: it imports the app's server build and hands it every
 * page request, under its own security headers and a policy with a nonce of the page's own; it
 * serves the browser files as before, never the page templates.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { readConfig } from '../config.ts';
import { startBff, startStack, type RunningBff, type Stack } from './helpers/stack.ts';

interface Render {
  readonly method: string;
  readonly url: string;
  readonly origin: string;
  readonly host: string | null;
  readonly forwarded: string | null;
  readonly cookie: string | null;
  readonly nonce: string;
  readonly config: unknown;
}

/** What the fake server build saw, in order (it runs in this process). */
const renders = (): Render[] => (globalThis as { __renders?: Render[] }).__renders ?? [];

/** A built app: browser files, and a server build rendering pages as an Angular one would. */
function builtApp(serverEntry: string): { browser: string; server: string } {
  const root = mkdtempSync(join(tmpdir(), 'bff-ssr-app-'));
  const browser = join(root, 'browser');
  const server = join(root, 'server');
  mkdirSync(browser);
  mkdirSync(server);
  writeFileSync(join(browser, 'main.js'), 'console.log("app");');
  writeFileSync(join(browser, 'index.csr.html'), '<app-root ngCspNonce="placeholder"></app-root>');
  writeFileSync(join(server, 'server.mjs'), serverEntry);
  return { browser, server: join(server, 'server.mjs') };
}

const RENDERING_ENTRY = `
export async function renderPage(request, { nonce, auth }) {
  const url = new URL(request.url);
  (globalThis.__renders ??= []).push({
    method: request.method,
    url: url.pathname + url.search,
    origin: url.origin,
    host: request.headers.get('host'),
    forwarded: request.headers.get('x-forwarded-for'),
    cookie: request.headers.get('cookie'),
    nonce,
    config: auth.config,
  });
  if (url.pathname === '/no-such-page') return null;
  const headers = { 'content-type': 'text/html;charset=UTF-8' };
  if (url.pathname !== '/public') Object.assign(headers, { 'cache-control': 'private, no-store', vary: 'Cookie' });
  return new Response('<!doctype html><script nonce="' + nonce + '" src="main.js"></script><app-root>' + request.url + '</app-root>', { status: 200, headers });
}
`;

let stack: Stack;
let bff: RunningBff;
let app: { browser: string; server: string };

before(async () => {
  stack = await startStack();
  app = builtApp(RENDERING_ENTRY);
  bff = await startBff(stack, { env: { BFF_STATIC_DIR: app.browser } });
});
after(async () => {
  await bff.close();
  await stack.close();
});

const nonceOf = (policy: string | null) =>
  /^script-src 'nonce-([A-Za-z0-9+/=]{24})' 'strict-dynamic' https: 'unsafe-inline';/.exec(
    policy ?? '',
  )?.[1];

describe('pages rendered by the app server build', () => {
  it('finds the server build beside the browser files', () => {
    assert.equal(bff.config.ssrEntry, app.server);
  });

  it('renders / and app routes with a fresh nonce that the page policy allows, and nothing else', async () => {
    const before = renders().length;
    const seen = new Set<string>();
    for (const path of ['/', '/dashboard', '/dashboard?tab=2']) {
      const response = await fetch(`${stack.origin}${path}`);
      assert.equal(response.status, 200, path);
      const nonce = nonceOf(response.headers.get('content-security-policy'));
      assert.ok(nonce, `${path}: ${response.headers.get('content-security-policy')}`);
      // The rest of the BFF's policy and headers stay.
      assert.match(response.headers.get('content-security-policy')!, /connect-src 'self'/);
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(response.headers.get('referrer-policy'), 'no-referrer');
      assert.match(
        await response.text(),
        new RegExp(`<script nonce="${nonce!.replace(/[+/]/g, '\\$&')}"`),
      );
      seen.add(nonce!);
    }
    assert.equal(seen.size, 3);
    assert.deepEqual(
      renders()
        .slice(before)
        .map(({ method, url, config }) => ({ method, url, config })),
      ['/', '/dashboard', '/dashboard?tab=2'].map((url) => ({
        method: 'GET',
        url,
        config: {
          mode: 'bff',
          postLogoutPath: '/',
          apis: [{ origin: stack.origin, pathPrefix: '/api' }],
        },
      })),
    );
  });

  it('hands the render the request at the public origin, with its cookie, never a client-chosen host or forwarded header', async () => {
    const before = renders().length;
    await fetch(`${stack.origin}/profile`, {
      headers: { cookie: 'bff_session=abc', 'x-forwarded-for': '203.0.113.9' },
    });
    const [render] = renders().slice(before);
    assert.deepEqual(
      {
        origin: render!.origin,
        host: render!.host,
        forwarded: render!.forwarded,
        cookie: render!.cookie,
      },
      {
        origin: stack.origin,
        host: new URL(stack.origin).host,
        forwarded: null,
        cookie: 'bff_session=abc',
      },
    );
    assert.ok(process.env['NG_ALLOWED_HOSTS']?.split(',').includes('localhost'));
  });

  it('makes every page private to the cookie, whatever the render said about caching', async () => {
    for (const path of ['/dashboard', '/public']) {
      const page = await fetch(`${stack.origin}${path}`);
      assert.equal(page.headers.get('cache-control'), 'private, no-store', path);
      assert.equal(page.headers.get('vary'), 'Cookie', path);
    }
  });

  it('serves the browser files, never a page template, and 404s what is no page', async () => {
    const before = renders().length;
    assert.equal((await fetch(`${stack.origin}/main.js`)).status, 200);
    assert.equal((await fetch(`${stack.origin}/index.csr.html`)).status, 404);
    assert.equal((await fetch(`${stack.origin}/missing.js`)).status, 404);
    assert.equal((await fetch(`${stack.origin}/no-such-page`)).status, 404);
    // The BFF's own routes and the API never reach the renderer.
    assert.equal((await fetch(`${stack.origin}/bff/health`)).status, 200);
    assert.equal(
      (await fetch(`${stack.origin}/api/me`, { headers: { 'x-bff-csrf': '1' } })).status,
      401,
    );
    assert.deepEqual(
      renders()
        .slice(before)
        .map((render) => render.url),
      ['/no-such-page'],
    );
  });
});

describe('the server build, misconfigured', () => {
  it('BFF_SSR_ENTRY that does not exist is refused at start-up, naming it', () => {
    assert.throws(
      () =>
        readConfig(
          stack.env({ BFF_STATIC_DIR: app.browser, BFF_SSR_ENTRY: '/nowhere/server.mjs' }),
        ),
      /^ConfigError: BFF_SSR_ENTRY does not exist: \/nowhere\/server.mjs$/,
    );
  });

  it('a server build without renderPage is refused at start-up, naming it', async () => {
    const broken = builtApp('export const reqHandler = () => undefined;');
    await assert.rejects(
      startBff(stack, { env: { BFF_STATIC_DIR: broken.browser }, listen: false }),
      {
        name: 'ConfigError',
        message: `BFF_SSR_ENTRY exports no renderPage function: ${broken.server}`,
      },
    );
  });
});
