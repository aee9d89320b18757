// The session library's architecture as checked facts (scripts/import-graph.mjs): the rules of
// .dependency-cruiser.cjs hold (no cycles, the core imports no mode, the modes never import each
// other, the demo app uses the package), and the longest import chain stays under the limit.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { CHAIN_LIMIT, measure } from '../import-graph.mjs';

const ROOT = join(import.meta.dirname, '..', '..');

describe('the import graph', () => {
  it('breaks none of the architecture rules', () => {
    const run = spawnSync(
      'npx',
      ['depcruise', '--config', '.dependency-cruiser.cjs', 'projects/oidc-session/angular', 'src'],
      { cwd: ROOT, encoding: 'utf8' },
    );
    assert.equal(run.status, 0, run.stdout + run.stderr);
  });

  it(`has no import chain of ${CHAIN_LIMIT} files or more in the code the package ships`, () => {
    const { chain } = measure();
    assert.ok(chain.length < CHAIN_LIMIT, `${chain.length} files:\n  ${chain.join('\n  ')}`);
  });
});
