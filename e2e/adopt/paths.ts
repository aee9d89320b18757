/**
 * Where the consumer stage works: outside the repository, so that npm and the Angular CLI treat
 * the consumer as the separate project it is (this repository is an npm workspace root and an
 * Angular workspace of its own).
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const WORK = join(tmpdir(), 'oidc-session-consumer');
/** The packed library and BFF. */
export const PACKS = join(WORK, 'packs');
/** A copy of e2e/consumer, with git to reset it between modes and to show ng add's changes. */
export const APP_DIR = join(WORK, 'app');
/** The BFF package installed from its tarball, as a deployment would. */
export const BFF_DIR = join(WORK, 'bff');

export type ConsumerMode = 'browser' | 'bff';

/** The consumer's production build after `ng add --mode=<mode>`. */
export function distOf(mode: ConsumerMode): string {
  return join(WORK, `dist-${mode}`);
}
