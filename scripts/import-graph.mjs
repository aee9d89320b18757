// `npm run graph`: the session library's import graph, measured and checked.
//
// 1. dependency-cruiser checks the architecture's rules (.dependency-cruiser.cjs): no cycles, the
//    core imports no mode, the modes never import each other, the demo app uses the package.
// 2. This script measures what dependency-cruiser does not: files per folder, and the longest
//    import chain of the code the package ships (specs, the testing kit and the simulator left
//    out). An import through a door that only re-exports (an entry point's public-api.ts, an
//    index.ts) counts as an import of the file that defines the name, so doors do not lengthen
//    chains and the chain is the one a reader follows.
// Prints the figures; exits 1 when a rule is broken or the longest chain has LIMIT files or more.
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import ts from 'typescript';

const ROOT = join(import.meta.dirname, '..');
const LIBRARY = 'projects/oidc-session/angular';
const ENTRY_POINTS = ['src', 'browser/src', 'bff/src'].map((dir) => `${LIBRARY}/${dir}`);
export const CHAIN_LIMIT = 10;

/** The package names of the library's entry points, as tsconfig.json maps them. */
const PACKAGE_DOORS = {
  '@oidc-session/angular': `${LIBRARY}/src/public-api.ts`,
  '@oidc-session/angular/browser': `${LIBRARY}/browser/src/public-api.ts`,
  '@oidc-session/angular/bff': `${LIBRARY}/bff/src/public-api.ts`,
};

const shipped = (file) =>
  file.endsWith('.ts') &&
  !file.endsWith('.spec.ts') &&
  !file.endsWith('.cases.ts') &&
  !file.includes('/testing-simulator/');

function filesUnder(dir) {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = `${dir}/${name}`;
    return statSync(join(ROOT, path)).isDirectory() ? filesUnder(path) : [path];
  });
}

/** Each file's imports: `{ module, names }` (names null: the whole module, e.g. `import()`). */
function importsOf(file) {
  const source = ts.createSourceFile(
    file,
    readFileSync(join(ROOT, file), 'utf8'),
    ts.ScriptTarget.Latest,
  );
  const found = [];
  const visit = (node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) {
      const module = node.moduleSpecifier.text;
      const bindings = ts.isImportDeclaration(node)
        ? node.importClause?.namedBindings
        : node.exportClause;
      const names =
        bindings && (ts.isNamedImports(bindings) || ts.isNamedExports(bindings))
          ? bindings.elements.map((e) => ({
              imported: (e.propertyName ?? e.name).text,
              local: e.name.text,
            }))
          : null;
      found.push({ module, names, reexport: ts.isExportDeclaration(node) });
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      found.push({ module: node.arguments[0].text, names: null, reexport: false });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function resolve(from, module, files) {
  if (module in PACKAGE_DOORS) return PACKAGE_DOORS[module];
  if (!module.startsWith('.')) return null;
  const base = normalize(join(dirname(from), module));
  return [`${base}.ts`, `${base}/index.ts`].find((candidate) => files.has(candidate)) ?? null;
}

/** The file graph with doors resolved by name. */
export function measure() {
  const files = new Set(ENTRY_POINTS.flatMap(filesUnder).filter(shipped));
  const imports = new Map([...files].map((file) => [file, importsOf(file)]));
  // A door only re-exports: read once per file, not once per import it makes.
  const doors = new Set(
    [...files].filter(
      (file) =>
        imports.get(file).length > 0 &&
        readFileSync(join(ROOT, file), 'utf8')
          .replace(/\/\/.*|\/\*[\s\S]*?\*\//g, '')
          .replace(/export\s+(type\s+)?\{[^}]*\}\s+from\s+'[^']+';/g, '')
          .trim() === '',
    ),
  );
  /** The file that defines `name` as `file` exports it (following re-exports). */
  const definer = (file, name, seen = 0) => {
    for (const entry of imports.get(file) ?? []) {
      if (!entry.reexport || !entry.names) continue;
      const hit = entry.names.find((n) => n.local === name);
      const target = hit && resolve(file, entry.module, files);
      if (target && seen < 20) return definer(target, hit.imported, seen + 1);
    }
    return file;
  };
  const graph = new Map();
  for (const file of files) {
    const edges = new Set();
    for (const entry of imports.get(file)) {
      const target = resolve(file, entry.module, files);
      if (!target) continue;
      // A re-export counts only in a door; elsewhere the file's own imports say what it uses.
      if (entry.reexport && !doors.has(file)) continue;
      if (entry.names) {
        for (const { imported } of entry.names) edges.add(definer(target, imported));
      } else {
        edges.add(target);
      }
    }
    edges.delete(file);
    graph.set(file, edges);
  }
  const longest = new Map();
  const chainFrom = (file, stack = new Set()) => {
    if (longest.has(file)) return longest.get(file);
    if (stack.has(file)) return [file]; // a cycle: dependency-cruiser reports it
    stack.add(file);
    let best = [file];
    for (const next of graph.get(file)) {
      const chain = [file, ...chainFrom(next, stack)];
      if (chain.length > best.length) best = chain;
    }
    stack.delete(file);
    longest.set(file, best);
    return best;
  };
  const chain = [...files]
    .map((file) => chainFrom(file))
    .reduce((a, b) => (b.length > a.length ? b : a));
  const perFolder = {};
  for (const file of files) perFolder[dirname(file)] = (perFolder[dirname(file)] ?? 0) + 1;
  return { files: files.size, perFolder, chain };
}

function checkRules() {
  const run = spawnSync(
    'npx',
    ['depcruise', '--config', '.dependency-cruiser.cjs', '--output-type', 'err', LIBRARY, 'src'],
    { cwd: ROOT, encoding: 'utf8' },
  );
  return { ok: run.status === 0, output: (run.stdout + run.stderr).trim() };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rules = checkRules();
  console.log(rules.output);
  const { files, perFolder, chain } = measure();
  console.log(`\n${files} files the package ships, per folder:`);
  for (const [folder, count] of Object.entries(perFolder).sort()) {
    console.log(`  ${String(count).padStart(3)}  ${relative(LIBRARY, folder)}`);
  }
  console.log(`\nlongest import chain: ${chain.length} files (limit: under ${CHAIN_LIMIT})`);
  for (const file of chain) console.log(`  ${relative(LIBRARY, file)}`);
  process.exitCode = rules.ok && chain.length < CHAIN_LIMIT ? 0 : 1;
}
