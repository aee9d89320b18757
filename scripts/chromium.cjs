// The one Chromium every test and the benchmark use: Debian's (never a downloaded browser),
// headless as root without the sandbox, and quiet on a machine without a network.

/** CHROME_BIN if set, else Debian's package. */
const chromiumExecutable = process.env.CHROME_BIN || '/usr/bin/chromium';

const chromiumFlags = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  // No network here: keep Chromium from dialling out in the background.
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

module.exports = { chromiumExecutable, chromiumFlags };
