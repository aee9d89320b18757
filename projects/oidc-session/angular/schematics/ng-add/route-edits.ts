/**
 * The routes in `app.routes.ts`: `login` (where guards and an ended session send the user) and a
 * guarded example, `account`, each added unless a route with that path exists. They go first in
 * the array, ahead of any `**` wildcard the app may have.
 */
import { Tree } from '@angular-devkit/schematics';

import { addImports, edit, findAll, parse, prependElement, ts } from './source-edits';

interface AuthRoute {
  readonly path: string;
  readonly code: string;
}

const ROUTES: readonly AuthRoute[] = [
  {
    path: 'login',
    code: `{ path: 'login', loadComponent: () => import('./auth/login-page').then((m) => m.LoginPage) }`,
  },
  {
    path: 'account',
    code: `{
    path: 'account',
    canActivate: [authGuard],
    loadComponent: () => import('./auth/account-page').then((m) => m.AccountPage),
  }`,
  },
];

/** The exported routes array: `routes` (or the one typed `Routes`). */
function routesArray(source: ts.SourceFile): ts.ArrayLiteralExpression | undefined {
  const declarations = findAll(
    source,
    (node): node is ts.VariableDeclaration =>
      ts.isVariableDeclaration(node) &&
      node.initializer !== undefined &&
      ts.isArrayLiteralExpression(node.initializer),
  );
  const routes =
    declarations.find((node) => node.type?.getText() === 'Routes') ??
    declarations.find((node) => node.name.getText() === 'routes');
  return routes?.initializer as ts.ArrayLiteralExpression | undefined;
}

function hasRoute(array: ts.ArrayLiteralExpression, path: string): boolean {
  return array.elements.some(
    (route) =>
      ts.isObjectLiteralExpression(route) &&
      route.properties.some(
        (property) =>
          ts.isPropertyAssignment(property) &&
          property.name.getText() === 'path' &&
          ts.isStringLiteralLike(property.initializer) &&
          property.initializer.text === path,
      ),
  );
}

/** Adds the missing routes. Returns what it did (or what to do by hand), one line each. */
export function addAuthRoutes(tree: Tree, path: string): string[] {
  if (!tree.exists(path))
    return [`${path} not found: add the routes by hand (README, "Add it to your app")`];
  const array = routesArray(parse(tree, path));
  if (!array) return [`${path}: no routes array found: add the routes by hand`];
  const missing = ROUTES.filter((route) => !hasRoute(array, route.path));
  const done = ROUTES.filter((route) => !missing.includes(route)).map(
    (route) => `${path}: route '${route.path}' already there (unchanged)`,
  );
  if (missing.some((route) => route.path === 'account'))
    addImports(tree, path, { authGuard: '@oidc-session/angular' });
  // Last first: each goes to the front, so they end in the order listed.
  for (const route of [...missing].reverse()) {
    edit(tree, path, (now) => [prependElement(now, path, routesArray(now)!, route.code)]);
  }
  return [...done, ...missing.map((route) => `${path}: route '${route.path}' added`)];
}
