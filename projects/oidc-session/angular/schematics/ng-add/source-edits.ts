/**
 * Small, re-runnable edits of TypeScript sources, on the TypeScript parser Angular's own
 * schematics ship. Each edit parses the file as it is now, so edits made one after another see
 * each other (two imports from one module end in one import declaration).
 */
import { SchematicsException, Tree } from '@angular-devkit/schematics';
import { insertImport } from '@schematics/angular/utility/ast-utils';
import { Change, InsertChange, applyToUpdateRecorder } from '@schematics/angular/utility/change';
import * as ts from '@schematics/angular/third_party/github.com/Microsoft/TypeScript/lib/typescript';

export { ts };

export function parse(tree: Tree, path: string): ts.SourceFile {
  const text = tree.readText(path);
  return ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
}

/** Applies the changes `edit` returns for the file as it is now. */
export function edit(tree: Tree, path: string, edit: (source: ts.SourceFile) => Change[]): void {
  const changes = edit(parse(tree, path));
  if (changes.length === 0) return;
  const recorder = tree.beginUpdate(path);
  applyToUpdateRecorder(recorder, changes);
  tree.commitUpdate(recorder);
}

/** Imports each symbol from its module unless the file already does. */
export function addImports(tree: Tree, path: string, symbols: Record<string, string>): void {
  for (const [symbol, module] of Object.entries(symbols)) {
    edit(tree, path, (source) => [insertImport(source, path, symbol, module)]);
  }
}

/** Every node under `root` that `test` accepts, depth first. */
export function findAll<T extends ts.Node>(root: ts.Node, test: (node: ts.Node) => node is T): T[] {
  const found: T[] = [];
  const visit = (node: ts.Node): void => {
    if (test(node)) found.push(node);
    ts.forEachChild(node, visit);
  };
  visit(root);
  return found;
}

/** Calls of `name(...)` under `root`. */
export function callsOf(root: ts.Node, name: string): ts.CallExpression[] {
  return findAll(
    root,
    (node): node is ts.CallExpression =>
      ts.isCallExpression(node) &&
      ts.isIdentifier(node.expression) &&
      node.expression.text === name,
  );
}

/**
 * An insertion of `code` as the last element of an array literal or argument list, on its own
 * line indented like the others (or after the opening bracket when it is empty).
 */
export function appendElement(
  source: ts.SourceFile,
  path: string,
  list: ts.NodeArray<ts.Node>,
  openingEnd: number,
  code: string,
): Change {
  const last = list[list.length - 1];
  if (!last) return new InsertChange(path, openingEnd, code);
  const multiline = source.text.slice(openingEnd, last.getStart()).includes('\n');
  const indent = multiline ? lineIndent(source, last.getStart()) : '';
  const separator = multiline ? `\n${indent}` : ' ';
  // After the trailing comma if there is one, so the new element keeps the list's style.
  return list.hasTrailingComma
    ? new InsertChange(path, source.text.indexOf(',', last.getEnd()) + 1, `${separator}${code},`)
    : new InsertChange(path, last.getEnd(), `,${separator}${code}`);
}

/** An insertion of `code` as the first element of an array literal. */
export function prependElement(
  source: ts.SourceFile,
  path: string,
  array: ts.ArrayLiteralExpression,
  code: string,
): Change {
  const first = array.elements[0];
  const open = array.getStart() + 1;
  if (!first) {
    const indent = lineIndent(source, array.getStart());
    return new InsertChange(path, open, `\n${indent}  ${code},\n${indent}`);
  }
  const indent = lineIndent(source, first.getStart());
  const multiline = source.text.slice(open, first.getStart()).includes('\n');
  return new InsertChange(path, first.getStart(), multiline ? `${code},\n${indent}` : `${code}, `);
}

function lineIndent(source: ts.SourceFile, position: number): string {
  const lineStart = source.text.lastIndexOf('\n', position - 1) + 1;
  return /^[ \t]*/.exec(source.text.slice(lineStart))![0];
}

export function failWith(message: string): never {
  throw new SchematicsException(message);
}
