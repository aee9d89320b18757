// Karma for `ng test` (runner "karma" of @angular/build:unit-test), in the project's Chromium
// (scripts/chromium.cjs).
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const { chromiumExecutable, chromiumFlags } = require('./scripts/chromium.cjs');

process.env.CHROME_BIN = chromiumExecutable;

/** Writes test-results/unit-summary.json so that `npm test` can total every stage exactly. */
function SummaryFileReporter(baseReporterDecorator) {
  baseReporterDecorator(this);
  const counts = { passed: 0, failed: 0, skipped: 0 };
  this.onSpecComplete = (_browser, result) => {
    if (result.skipped || result.pending) counts.skipped++;
    else if (result.success) counts.passed++;
    else counts.failed++;
  };
  this.onRunComplete = (_browsers, results) => {
    // A run that errors before any spec (a compile error in a spec) must not read as green.
    if (results.error && counts.failed === 0) counts.failed = 1;
    const dir = join(__dirname, 'test-results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'unit-summary.json'), JSON.stringify(counts));
  };
}
SummaryFileReporter.$inject = ['baseReporterDecorator'];

module.exports = function (config) {
  config.set({
    basePath: '',
    frameworks: ['jasmine'],
    plugins: [
      require('karma-jasmine'),
      require('karma-chrome-launcher'),
      { 'reporter:summary-file': ['type', SummaryFileReporter] },
    ],
    client: {
      jasmine: { random: true },
      clearContext: false,
    },
    customLaunchers: {
      ChromeHeadlessCI: {
        base: 'ChromeHeadless',
        flags: [...chromiumFlags],
      },
    },
    browsers: ['ChromeHeadlessCI'],
    reporters: ['dots', 'summary-file'],
    browserNoActivityTimeout: 120000,
    singleRun: true,
    restartOnFileChange: false,
  });
};
