/**
 * The return-path rule of issue 19, item 1, on the BFF side: the shared case table (the app's
 * Karma spec runs the same one), a fast-check property over generated hostile inputs (encoded
 * dots and slashes, backslashes, control characters, nested encodings, absolute URLs), and real
 * sign-ins through `/bff/login?returnUrl=...` whose callback must answer a path of the app.
 * Property seeds: a fixed one (RETURN_PATH_SEED overrides) and a random one, both printed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import fc from 'fast-check';

import { RETURN_PATH_CASES } from '../../projects/oidc-session/angular/src/lib/core/return-url.cases.ts';
import { safeReturnPath as appSafeReturnPath } from '../../projects/oidc-session/angular/src/lib/core/return-url.ts';
import { BFF_DEFAULT_RETURN_PATH, safeReturnPath } from '../return-path.ts';
import { Browser } from './helpers/browser.ts';
import { startBff, startStack, type RunningBff, type Stack } from './helpers/stack.ts';

const APP_ORIGIN = 'https://app.example';
const FIXED_SEED = Number(process.env['RETURN_PATH_SEED'] ?? 20261205);
const RANDOM_SEED = Math.floor(Math.random() * 2 ** 31);
const RUNS = Number(process.env['RETURN_PATH_RUNS'] ?? 5000);

/** Pieces an attacker composes: dots, slashes, backslashes, schemes, controls, hosts. */
const PIECES = [
  '/',
  '//',
  '\\',
  '.',
  '..',
  './',
  '../',
  '%2e',
  '%2E',
  '%2e%2e',
  '%2f',
  '%2F',
  '%5c',
  '%5C',
  '%25',
  '%252f',
  '%252e',
  '%00',
  '%09',
  '%0a',
  '\t',
  '\n',
  '\r',
  '\u0000',
  '\u007f',
  ' ',
  'evil.example',
  'a',
  'b',
  '?',
  '#',
  '=',
  '&',
  ':',
  '@',
  'javascript:',
  'https:',
  'http://',
  'https://evil.example',
  '\uff0f',
  '\u2215',
  '%ef%bc%8f',
  '%',
];

/** Percent-encodes every character `layers` times (`.` included, which encodeURIComponent keeps). */
function encodeAll(value: string, layers: number): string {
  let out = value;
  for (let layer = 0; layer < layers; layer++) {
    out = [...new TextEncoder().encode(out)]
      .map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`)
      .join('');
  }
  return out;
}

const piece = fc.oneof(
  { arbitrary: fc.constantFrom(...PIECES), weight: 6 },
  {
    arbitrary: fc
      .tuple(fc.constantFrom(...PIECES), fc.integer({ min: 1, max: 5 }))
      .map(([p, layers]) => encodeAll(p, layers)),
    weight: 2,
  },
  { arbitrary: fc.string({ maxLength: 4 }), weight: 1 },
);

const hostileInput = fc.oneof(
  { arbitrary: fc.array(piece, { minLength: 1, maxLength: 10 }).map((p) => p.join('')), weight: 8 },
  { arbitrary: fc.array(piece, { maxLength: 9 }).map((p) => `/${p.join('')}`), weight: 8 },
  { arbitrary: fc.webUrl({ withQueryParameters: true, withFragments: true }), weight: 1 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 30 }), weight: 1 },
);

/** Paths an app produces: plain segments, a query, a fragment; always accepted. */
const appPath = fc
  .tuple(
    fc.array(fc.stringMatching(/^[a-z0-9_-]{1,8}$/), { minLength: 0, maxLength: 4 }),
    fc.option(fc.stringMatching(/^[a-z0-9=&]{1,10}$/)),
    fc.option(fc.stringMatching(/^[a-z0-9]{1,6}$/)),
  )
  .map(
    ([segments, query, fragment]) =>
      `/${segments.join('/')}${query === null ? '' : `?${query}`}${fragment === null ? '' : `#${fragment}`}`,
  );

function normalised(value: string, base = APP_ORIGIN): URL {
  return new URL(value, base);
}

/** Path + query + fragment of `value` resolved on the app, or undefined when it is no URL. */
function finalForm(value: string): string | undefined {
  try {
    const url = normalised(value);
    return url.origin === APP_ORIGIN ? url.pathname + url.search + url.hash : undefined;
  } catch {
    // Not a URL at all (e.g. `//\u0000`): nothing a browser could follow either.
    return undefined;
  }
}

/** Each percent-decoding of `value` (until it settles), or undefined when one is malformed. */
function decodings(value: string): string[] | undefined {
  const layers = [value];
  for (let layer = 0; layer < 10; layer++) {
    let next: string;
    try {
      next = decodeURIComponent(layers[layers.length - 1]!);
    } catch {
      // Malformed: the rule refuses these.
      return undefined;
    }
    if (next === layers[layers.length - 1]) return layers;
    layers.push(next);
  }
  return layers;
}

/** The rule of issue 19 for an accepted result: one leading `/`, then neither `/` nor `\`. */
function obeysRule(path: string): boolean {
  const layers = decodings(path);
  return (
    layers !== undefined &&
    layers.every(
      (layer) =>
        // eslint-disable-next-line no-control-regex
        /^\/(?![/\\])/.test(layer) &&
        !/[\\\u0000-\u001f\u007f]/.test(layer) &&
        /^\/(?![/\\])/.test(finalForm(layer) ?? ''),
    )
  );
}

/** What the property checks for one input; returns whether the input was accepted. */
function checkOne(input: string): boolean {
  const result = safeReturnPath(input);
  const resolved = normalised(result);
  assert.equal(resolved.origin, APP_ORIGIN, `${JSON.stringify(input)} -> ${result} left the app`);
  if (result === BFF_DEFAULT_RETURN_PATH) return false;
  // Accepted: it is the input's final, normalised form, on this origin, and that form obeys the rule.
  const target = normalised(input);
  assert.equal(target.origin, APP_ORIGIN, JSON.stringify(input));
  assert.equal(result, target.pathname + target.search + target.hash, JSON.stringify(input));
  const again = normalised(result);
  assert.equal(again.pathname + again.search + again.hash, result, 'already in final form');
  assert.ok(obeysRule(result), `${JSON.stringify(input)} -> ${result} breaks the rule`);
  assert.ok(obeysRule(input), `${JSON.stringify(input)} was not a plain path in every layer`);
  // And the same on any other origin: the answer does not depend on where the app runs.
  assert.equal(normalised(result, 'http://localhost:4200').origin, 'http://localhost:4200');
  return true;
}

describe('return-path rule', () => {
  it('answers the shared case table (the same table the app spec runs)', () => {
    assert.ok(RETURN_PATH_CASES.length >= 40);
    for (const { input, expected } of RETURN_PATH_CASES) {
      assert.equal(safeReturnPath(input), expected ?? '/', JSON.stringify(input));
      assert.equal(appSafeReturnPath(input), expected ?? '/dashboard', JSON.stringify(input));
    }
  });

  for (const [label, seed] of [
    ['fixed', FIXED_SEED],
    ['random', RANDOM_SEED],
  ] as const) {
    it(`keeps every generated input on the app's origin, as the rule says (${label} seed ${seed}, ${RUNS} runs)`, () => {
      console.log(
        `return-path property: ${label} seed ${seed}, ${RUNS} runs (RETURN_PATH_SEED to fix)`,
      );
      const seen = { accepted: 0, refused: 0, normalisedAway: 0, appPaths: 0 };
      fc.assert(
        fc.property(hostileInput, (input) => {
          const accepted = checkOne(input);
          if (accepted) seen.accepted += 1;
          else seen.refused += 1;
          // Inputs whose normalised form is protocol-relative: the case issue 19 found.
          if (/^\/\//.test(finalForm(input) ?? '') && !/^\/[/\\]/.test(input))
            seen.normalisedAway += 1;
        }),
        { seed, numRuns: RUNS, endOnFailure: true },
      );
      fc.assert(
        fc.property(appPath, (path) => {
          assert.equal(safeReturnPath(path), path, 'an ordinary app path is kept as it is');
          seen.appPaths += 1;
        }),
        { seed, numRuns: 500, endOnFailure: true },
      );
      console.log(`return-path property: ${JSON.stringify(seen)}`);
      // The generator must reach both outcomes and the normalising trap, or the property is empty.
      assert.equal(seen.accepted + seen.refused, RUNS, 'every run checked');
      assert.ok(
        seen.accepted > RUNS / 50,
        `some hostile-looking inputs are accepted paths (${seen.accepted})`,
      );
      assert.ok(seen.refused > RUNS / 2, `most are refused (${seen.refused})`);
      assert.ok(
        seen.normalisedAway > 0,
        `inputs that normalise to //host are generated (${seen.normalisedAway})`,
      );
    });
  }
});

describe('return path after a real sign-in', () => {
  let stack: Stack;
  let bff: RunningBff;
  before(async () => {
    stack = await startStack();
    bff = await startBff(stack);
  });
  after(async () => {
    await bff.close();
    await stack.close();
  });

  for (const crafted of [
    '/.//evil.example',
    '/..//evil.example',
    '/%2e//evil.example',
    '/a/..//evil.example',
    '/a/%2e%2e//evil.example',
    '/%2e%2e/%2F/evil.example',
    '//evil.example',
  ]) {
    it(`lands on the app's own page for returnUrl=${crafted}`, async () => {
      const landed = await new Browser(stack.origin).signIn({ returnUrl: crafted });
      assert.equal(landed.href, `${stack.origin}/`);
    });
  }

  it('keeps a genuine return path after sign-in', async () => {
    const landed = await new Browser(stack.origin).signIn({ returnUrl: '/orders/7?x=1#top' });
    assert.equal(landed.href, `${stack.origin}/orders/7?x=1#top`);
  });
});
