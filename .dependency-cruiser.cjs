// The session library's architecture, as rules: `npm run graph` (scripts/import-graph.mjs) checks
// them with dependency-cruiser, and `npm test` runs that check.
const LIB = '^projects/oidc-session/angular/';
const SPEC = '\\.spec\\.ts$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle anywhere in the library, its specs and simulator included.',
      from: { path: LIB },
      to: { circular: true },
    },
    {
      name: 'core-imports-no-mode',
      severity: 'error',
      comment: 'The core (the primary entry point) never names a mode: each mode plugs in.',
      from: { path: `${LIB}src/`, pathNot: [SPEC, `${LIB}src/lib/testing-simulator/`] },
      to: { path: `${LIB}(browser|bff|testing)/` },
    },
    {
      name: 'modes-apart',
      severity: 'error',
      comment: 'Browser mode and BFF mode never import each other.',
      from: { path: `${LIB}browser/` },
      to: { path: `${LIB}bff/` },
    },
    {
      name: 'modes-apart-bff',
      severity: 'error',
      from: { path: `${LIB}bff/` },
      to: { path: `${LIB}browser/` },
    },
    {
      name: 'entry-points-by-package-name',
      severity: 'error',
      comment:
        'A mode or the testing kit reaches the core through @oidc-session/angular (its public ' +
        'door, ɵ internals included), never by a relative path into another entry point.',
      from: { path: `${LIB}(browser|bff|testing)/` },
      to: { path: `${LIB}src/lib/` },
    },
    {
      name: 'published-code-not-on-tests',
      severity: 'error',
      comment: 'Nothing the package ships imports the testing kit or the simulator.',
      from: {
        path: `${LIB}(src|browser|bff)/`,
        pathNot: [SPEC, `${LIB}src/lib/testing-simulator/`],
      },
      to: { path: [`${LIB}testing/`, `${LIB}src/lib/testing-simulator/`] },
    },
    {
      name: 'app-uses-the-package',
      severity: 'error',
      comment: 'The demo app uses the library by package name only, like any app.',
      from: { path: '^src/' },
      to: { path: `${LIB}src/lib/|${LIB}(browser|bff|testing)/src/(?!public-api)` },
    },
    {
      name: 'library-not-on-app',
      severity: 'error',
      from: { path: LIB },
      to: { path: '^src/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
