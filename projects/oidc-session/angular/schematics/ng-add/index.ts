/**
 * `ng add @oidc-session/angular`: wires the session layer into a standalone app, and says what it
 * changed. Everything it does is what README's "Add it to your app" does by hand:
 *
 * - `app.config.ts`: `authInterceptor` in the app's HttpClient, and `provideAuth` with one mode;
 * - `app.routes.ts`: a `login` route and a guarded example route, `account`;
 * - `src/app/auth/`: the two pages and a Vitest/Jasmine spec written with the testing kit;
 * - `public/auth.config.json`: the runtime configuration from the prompts;
 * - browser mode: `angular-oauth2-oidc` and `dpop` (the mode's optional peers) in package.json.
 *
 * Running it again changes nothing: every edit looks for what it would add first, and a file
 * that exists is left alone.
 */
import {
  MergeStrategy,
  Rule,
  SchematicContext,
  SchematicsException,
  Tree,
  apply,
  applyTemplates,
  chain,
  filter,
  mergeWith,
  move,
  url,
} from '@angular-devkit/schematics';
import { addDependency, readWorkspace } from '@schematics/angular/utility';

import { addInterceptor, addProvideAuth } from './app-config-edits';
import { addAuthRoutes } from './route-edits';
import type { NgAddOptions } from './schema';

// The package's own manifest: the peer ranges browser mode needs, as published.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const manifest = require('../../package.json') as {
  peerDependencies: Record<string, string>;
};

export function ngAdd(options: NgAddOptions): Rule {
  return async (tree: Tree, context: SchematicContext) => {
    checkOptions(options);
    const { appDir, publicDir } = await locateApp(tree, options.project);
    const configPath = `${appDir}/app.config.ts`;
    if (!tree.exists(configPath))
      throw new SchematicsException(
        `${configPath} not found: ng add supports standalone apps (ng new's default). For an ` +
          `NgModule app, follow README's "Add it to your app" by hand.`,
      );
    const done: string[] = [];
    done.push(addInterceptor(tree, configPath));
    done.push(addProvideAuth(tree, configPath, options.mode));
    done.push(...addAuthRoutes(tree, `${appDir}/app.routes.ts`));
    done.push(writeRuntimeConfig(tree, `${publicDir}/auth.config.json`, options));
    const pages = generatedFiles(tree, appDir, options, done);
    const dependencies = options.mode === 'browser' ? browserModePeers(tree, done) : [];
    return chain([
      pages,
      ...dependencies,
      () => {
        context.logger.info('@oidc-session/angular:');
        for (const line of done) context.logger.info(`  ${line}`);
        context.logger.info(nextSteps(options));
      },
    ]);
  };
}

/**
 * The options that end up in code and configuration, checked before anything is written: a
 * typo stops here with the option's name, not in the app's first start-up.
 */
function checkOptions(options: NgAddOptions): void {
  const refuse = (option: string, problem: string): never => {
    throw new SchematicsException(`--${option}: ${problem}`);
  };
  const isHttpUrl = (value: string) => {
    try {
      return ['http:', 'https:'].includes(new URL(value).protocol);
    } catch {
      return false;
    }
  };
  if (options.mode !== 'browser' && options.mode !== 'bff')
    refuse('mode', `"${options.mode}" is neither browser nor bff`);
  if (!/^\/[A-Za-z0-9._~!$&()*+,;=:@%\/-]*$/.test(options.apiPath))
    refuse('api-path', `"${options.apiPath}" is not a path (it starts with /, e.g. /api)`);
  if (options.mode === 'bff') return;
  if (!isHttpUrl(options.issuer)) refuse('issuer', `"${options.issuer}" is not an http(s) URL`);
  if (!isHttpUrl(options.apiOrigin) || new URL(options.apiOrigin).origin !== options.apiOrigin)
    refuse(
      'api-origin',
      `"${options.apiOrigin}" is not an origin (scheme, host and port only, e.g. https://api.example.com)`,
    );
  if (options.clientId.trim() === '') refuse('client-id', 'is empty');
}

async function locateApp(
  tree: Tree,
  requested: string | undefined,
): Promise<{ appDir: string; publicDir: string }> {
  const workspace = await readWorkspace(tree);
  const applications = [...workspace.projects].filter(
    ([, project]) => project.extensions['projectType'] === 'application',
  );
  const [name, project] =
    (requested ? applications.find(([candidate]) => candidate === requested) : applications[0]) ??
    [];
  if (!name || !project)
    throw new SchematicsException(
      requested
        ? `No application "${requested}" in angular.json (applications: ${applications.map(([n]) => n).join(', ') || 'none'}).`
        : 'No application in angular.json to add the session layer to.',
    );
  const root = project.root ? `${project.root}/` : '';
  const sourceRoot = project.sourceRoot ?? `${root}src`;
  return { appDir: `${sourceRoot}/app`, publicDir: `${root}public` };
}

/** The pages and their spec, from `files/`; a file that exists is kept as it is. */
function generatedFiles(tree: Tree, appDir: string, options: NgAddOptions, done: string[]): Rule {
  const api =
    options.mode === 'bff'
      ? {
          url: options.apiPath,
          location: `{ origin: globalThis.location.origin, pathPrefix: '${options.apiPath}' }`,
        }
      : {
          url: `${options.apiOrigin}${options.apiPath}`,
          location: `{ origin: '${options.apiOrigin}', pathPrefix: '${options.apiPath}' }`,
        };
  const names = ['login-page.ts', 'account-page.ts', 'account-page.spec.ts'];
  for (const name of names) {
    const path = `${appDir}/auth/${name}`;
    done.push(tree.exists(path) ? `${path} exists (unchanged)` : `${path} created`);
  }
  return mergeWith(
    apply(url('./files'), [
      applyTemplates({ mode: options.mode, apiUrl: api.url, apiLocation: api.location }),
      move(appDir),
      filter((path) => !tree.exists(path)),
    ]),
    MergeStrategy.Default,
  );
}

/** `public/auth.config.json`, unless the app has one (then it is left for the user to check). */
function writeRuntimeConfig(tree: Tree, path: string, options: NgAddOptions): string {
  if (tree.exists(path)) return `${path} exists (unchanged: check it against the prompts)`;
  const config =
    options.mode === 'bff'
      ? // Served by the BFF itself in production (bff/README.md); this file is for `ng serve`.
        { mode: 'bff', postLogoutPath: '/' }
      : {
          mode: 'browser',
          issuer: options.issuer,
          clientId: options.clientId,
          scope: options.scope,
          apis: [{ origin: options.apiOrigin, pathPrefix: options.apiPath }],
          redirectPath: '/',
          postLogoutPath: '/',
        };
  tree.create(path, `${JSON.stringify(config, null, 2)}\n`);
  return `${path} created (${options.mode} mode)`;
}

/** Browser mode signs in with angular-oauth2-oidc and proves tokens with dpop. */
function browserModePeers(tree: Tree, done: string[]): Rule[] {
  const app = JSON.parse(tree.readText('package.json')) as {
    dependencies?: Record<string, string>;
  };
  return ['angular-oauth2-oidc', 'dpop'].map((name) => {
    const range = manifest.peerDependencies[name]!;
    done.push(
      app.dependencies?.[name]
        ? `package.json: ${name} already a dependency (unchanged)`
        : `package.json: ${name}@${range} added (browser mode's sign-in${name === 'dpop' ? ' and DPoP proofs' : ''})`,
    );
    return addDependency(name, range);
  });
}

function nextSteps(options: NgAddOptions): string {
  return options.mode === 'bff'
    ? 'Next: serve the build through the BFF (npm install @oidc-session/bff; its README lists ' +
        'the variables of npx oidc-session-bff). /login and /account are the new routes.'
    : `Next: register <your app's origin>/ as a redirect URI of client "${options.clientId}" at ` +
        `${options.issuer}, and allow the app's origin (CORS). /login and /account are the new routes.`;
}
