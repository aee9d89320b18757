/**
 * The providers in `app.config.ts`: the one interceptor in the app's HttpClient (added to what is
 * there, never a second `provideHttpClient`), and `provideAuth` with the chosen mode.
 *
 * Angular's `addRootProvider` (@schematics/angular/utility) appends a provider, but it cannot
 * extend an existing `provideHttpClient(...)` or `withInterceptors([...])` and does not look for
 * one, so running it twice adds a second: these edits find what is there first.
 */
import { Tree } from '@angular-devkit/schematics';

import type { NgAddOptions } from './schema';
import {
  addImports,
  appendElement,
  callsOf,
  edit,
  failWith,
  findAll,
  parse,
  ts,
} from './source-edits';

const LIBRARY = '@oidc-session/angular';
const HTTP = '@angular/common/http';

/** The `providers: [...]` array of the app's configuration. */
function providersArray(source: ts.SourceFile): ts.ArrayLiteralExpression {
  const [providers] = findAll(
    source,
    (node): node is ts.PropertyAssignment =>
      ts.isPropertyAssignment(node) &&
      node.name.getText() === 'providers' &&
      ts.isArrayLiteralExpression(node.initializer),
  );
  if (!providers)
    failWith(
      `${source.fileName} has no "providers: [...]" array: add the providers by hand (README, "Add it to your app").`,
    );
  return providers.initializer as ts.ArrayLiteralExpression;
}

/** Adds `authInterceptor` to the app's HttpClient. Returns what it did, for the list of edits. */
export function addInterceptor(tree: Tree, path: string): string {
  const source = parse(tree, path);
  const [http] = callsOf(source, 'provideHttpClient');
  if (!http) {
    addImports(tree, path, {
      provideHttpClient: HTTP,
      withInterceptors: HTTP,
      authInterceptor: LIBRARY,
    });
    edit(tree, path, (now) => {
      const providers = providersArray(now);
      return [
        appendElement(
          now,
          path,
          providers.elements,
          providers.getStart() + 1,
          'provideHttpClient(withInterceptors([authInterceptor]))',
        ),
      ];
    });
    return `${path}: provideHttpClient(withInterceptors([authInterceptor])) added`;
  }
  const [interceptors] = http.arguments.flatMap((argument) =>
    callsOf(argument, 'withInterceptors'),
  );
  if (!interceptors) {
    addImports(tree, path, { withInterceptors: HTTP, authInterceptor: LIBRARY });
    edit(tree, path, (now) => {
      const [call] = callsOf(now, 'provideHttpClient');
      const open = now.text.indexOf('(', call!.expression.getEnd()) + 1;
      return [
        appendElement(now, path, call!.arguments, open, 'withInterceptors([authInterceptor])'),
      ];
    });
    return `${path}: withInterceptors([authInterceptor]) added to the existing provideHttpClient()`;
  }
  const list = interceptors.arguments[0];
  if (!list || !ts.isArrayLiteralExpression(list))
    failWith(
      `${path}: withInterceptors(...) is not given an array literal: add authInterceptor to it by hand.`,
    );
  if (list.elements.some((element) => element.getText() === 'authInterceptor'))
    return `${path}: authInterceptor already in withInterceptors (unchanged)`;
  addImports(tree, path, { authInterceptor: LIBRARY });
  edit(tree, path, (now) => {
    const [call] = callsOf(now, 'withInterceptors');
    const array = call!.arguments[0] as ts.ArrayLiteralExpression;
    // Last: the interceptors before it see one request, and the retry after a refresh stays
    // inside the session layer.
    return [appendElement(now, path, array.elements, array.getStart() + 1, 'authInterceptor')];
  });
  return `${path}: authInterceptor added to the existing withInterceptors([...])`;
}

/** Adds `provideAuth(configFromUrl('/auth.config.json'), with<Mode>Mode())`. */
export function addProvideAuth(tree: Tree, path: string, mode: NgAddOptions['mode']): string {
  if (callsOf(parse(tree, path), 'provideAuth').length > 0)
    return `${path}: provideAuth(...) already there (unchanged)`;
  const feature = mode === 'bff' ? 'withBffMode' : 'withBrowserMode';
  addImports(tree, path, {
    provideAuth: LIBRARY,
    configFromUrl: LIBRARY,
    [feature]: `${LIBRARY}/${mode}`,
  });
  const code = `provideAuth(configFromUrl('/auth.config.json'), ${feature}())`;
  edit(tree, path, (now) => {
    const providers = providersArray(now);
    return [appendElement(now, path, providers.elements, providers.getStart() + 1, code)];
  });
  return `${path}: ${code} added`;
}
