/**
 * The `ng add` schematic on apps the consumer stage does not start from: one that already has
 * `provideHttpClient(...)`, one with its own `withInterceptors([...])`, BFF mode, a second run,
 * and the apps it cannot edit. Run on a fresh `ng new`-shaped tree from Angular's own schematics,
 * with the schematic bundled as the package ships it.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { SchematicTestRunner, type UnitTestTree } from '@angular-devkit/schematics/testing';

import { buildSchematics } from '../build-library.mjs';

const CONFIG = '/projects/shop/src/app/app.config.ts';
const ROUTES = '/projects/shop/src/app/app.routes.ts';

let runner: SchematicTestRunner;
let out: string;

before(async () => {
  // Inside the repository: the collection and the bundle resolve @schematics/angular from there.
  mkdirSync(join(process.cwd(), 'dist'), { recursive: true });
  out = mkdtempSync(join(process.cwd(), 'dist', 'ng-add-test-'));
  await buildSchematics(out);
  runner = new SchematicTestRunner('@oidc-session/angular', join(out, 'collection.json'));
});
after(() => rmSync(out, { recursive: true, force: true }));

/** An app as `ng new shop` makes it (standalone, zoneless), in a workspace of its own. */
async function newApp(): Promise<UnitTestTree> {
  const workspace = await runner.runExternalSchematic('@schematics/angular', 'workspace', {
    name: 'workspace',
    newProjectRoot: 'projects',
    version: '21.0.0',
  });
  return runner.runExternalSchematic(
    '@schematics/angular',
    'application',
    { name: 'shop', standalone: true, routing: true, skipTests: false },
    workspace,
  );
}

function ngAdd(tree: UnitTestTree, options: Record<string, unknown> = {}) {
  return runner.runSchematic('ng-add', { mode: 'browser', ...options }, tree);
}

/** Every file's text, to compare two trees. */
function snapshot(tree: UnitTestTree): Map<string, string> {
  return new Map(tree.files.map((path) => [path, tree.readContent(path)]));
}

const count = (text: string, pattern: RegExp) => text.match(pattern)?.length ?? 0;

describe('ng add @oidc-session/angular', () => {
  it('adds the interceptor, provideAuth, the routes, the pages and the configuration', async () => {
    const tree = await ngAdd(await newApp());
    const config = tree.readContent(CONFIG);
    assert.match(config, /provideHttpClient\(withInterceptors\(\[authInterceptor\]\)\)/);
    assert.match(
      config,
      /provideAuth\(configFromUrl\('\/auth\.config\.json'\), withBrowserMode\(\)\)/,
    );
    assert.match(config, /import \{ withBrowserMode \} from '@oidc-session\/angular\/browser';/);
    assert.equal(count(config, /from '@oidc-session\/angular';/g), 1, 'one import declaration');
    const routes = tree.readContent(ROUTES);
    assert.match(routes, /path: 'login'/);
    assert.match(routes, /path: 'account',\s+canActivate: \[authGuard\]/);
    for (const file of ['login-page.ts', 'account-page.ts', 'account-page.spec.ts'])
      assert.ok(tree.exists(`/projects/shop/src/app/auth/${file}`), file);
    const runtime = JSON.parse(tree.readContent('/projects/shop/public/auth.config.json'));
    assert.equal(runtime.mode, 'browser');
    assert.equal(runtime.issuer, 'http://localhost:9000');
    const manifest = JSON.parse(tree.readContent('/package.json'));
    assert.ok(manifest.dependencies['angular-oauth2-oidc'] && manifest.dependencies['dpop']);
  });

  it('changes nothing when run a second time', async () => {
    const once = await ngAdd(await newApp());
    const before = snapshot(once);
    const twice = await ngAdd(once);
    assert.deepEqual(snapshot(twice), before);
  });

  it('adds withInterceptors to an existing provideHttpClient, not a second provider', async () => {
    const app = await newApp();
    app.overwrite(
      CONFIG,
      app
        .readContent(CONFIG)
        .replace('providers: [', 'providers: [\n    provideHttpClient(withFetch()),')
        .replace(/^/, "import { provideHttpClient, withFetch } from '@angular/common/http';\n"),
    );
    const config = (await ngAdd(app)).readContent(CONFIG);
    assert.equal(count(config, /provideHttpClient\(/g), 1);
    assert.match(
      config,
      /provideHttpClient\(withFetch\(\), withInterceptors\(\[authInterceptor\]\)\)/,
    );
    assert.equal(count(config, /from '@angular\/common\/http';/g), 1, 'one import declaration');
  });

  it("appends authInterceptor to the app's own withInterceptors([...])", async () => {
    const app = await newApp();
    app.overwrite(
      CONFIG,
      app
        .readContent(CONFIG)
        .replace(
          'providers: [',
          'providers: [\n    provideHttpClient(withInterceptors([auditInterceptor])),',
        )
        .replace(
          /^/,
          "import { provideHttpClient, withInterceptors } from '@angular/common/http';\n" +
            "import { auditInterceptor } from './audit';\n",
        ),
    );
    const config = (await ngAdd(app)).readContent(CONFIG);
    assert.equal(count(config, /withInterceptors\(/g), 1);
    assert.match(config, /withInterceptors\(\[auditInterceptor, authInterceptor\]\)/);
  });

  it('BFF mode: withBffMode, a configuration without provider settings, no browser-mode peers', async () => {
    const tree = await ngAdd(await newApp(), { mode: 'bff' });
    assert.match(tree.readContent(CONFIG), /withBffMode\(\)/);
    assert.doesNotMatch(tree.readContent(CONFIG), /withBrowserMode/);
    assert.deepEqual(JSON.parse(tree.readContent('/projects/shop/public/auth.config.json')), {
      mode: 'bff',
      postLogoutPath: '/',
    });
    const manifest = JSON.parse(tree.readContent('/package.json'));
    assert.equal(manifest.dependencies['angular-oauth2-oidc'], undefined);
    assert.equal(manifest.dependencies['dpop'], undefined);
    assert.match(
      tree.readContent('/projects/shop/src/app/auth/account-page.spec.ts'),
      /mode: 'bff', apis: \[\{ origin: globalThis\.location\.origin, pathPrefix: '\/api' \}\]/,
    );
  });

  it('keeps a login route the app has, and adds only the missing one', async () => {
    const app = await newApp();
    app.overwrite(
      ROUTES,
      app.readContent(ROUTES).replace('[]', "[{ path: 'login', redirectTo: 'sign-in' }]"),
    );
    const routes = (await ngAdd(app)).readContent(ROUTES);
    assert.equal(count(routes, /path: 'login'/g), 1);
    assert.match(routes, /path: 'account'/);
  });

  it('refuses a typo in an option before it writes anything, naming the option', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ issuer: 'localhost:9000' }, /--issuer: "localhost:9000" is not an http\(s\) URL/],
      [{ apiOrigin: 'https://api.example.com/v1' }, /--api-origin: .* is not an origin/],
      [{ apiOrigin: "https://x.example'); alert(1); ('" }, /--api-origin: .* is not an origin/],
      [{ apiPath: 'api' }, /--api-path: "api" is not a path/],
      [{ apiPath: "/api'" }, /--api-path: .* is not a path/],
      [{ clientId: ' ' }, /--client-id: is empty/],
    ];
    for (const [options, message] of cases) {
      const app = await newApp();
      const before = snapshot(app);
      await assert.rejects(ngAdd(app, options), message);
      assert.deepEqual(snapshot(app), before, `nothing written for ${JSON.stringify(options)}`);
    }
  });

  it('refuses an app it cannot edit, with a message that says what to do', async () => {
    const app = await newApp();
    app.delete(CONFIG);
    await assert.rejects(ngAdd(app), /app\.config\.ts not found: ng add supports standalone apps/);
    await assert.rejects(
      ngAdd(await newApp(), { project: 'shpo' }),
      /No application "shpo" in angular\.json \(applications: shop\)/,
    );
  });
});
