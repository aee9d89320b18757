/**
 * Starts the real identity provider and resource API on free ports for one test file.
 */
import type { JWK } from 'jose';

import { generateSigningKey } from '../../identity-provider/signing-key.ts';
import {
  startIdentityProvider,
  type RunningIdentityProvider,
} from '../../identity-provider/server.ts';
import { startResourceApi, type RunningResourceApi } from '../../resource-api/server.ts';
import { freePort } from '../../shared/free-port.ts';

/** The app origin the tests pretend to be; nothing listens there, it only names redirects and CORS. */
export const APP_ORIGIN = 'http://localhost:4200';

export interface StackOptions {
  readonly accessTokenTtl?: number;
  readonly refreshTokenTtl?: number;
}

export interface TestStack {
  readonly idp: RunningIdentityProvider;
  readonly api: RunningResourceApi;
  /** The provider's private signing key, for forging tokens the API must refuse (or accept). */
  readonly signingKey: JWK;
  readonly appOrigin: string;
  close(): Promise<void>;
}

export async function startStack({
  accessTokenTtl = 60,
  refreshTokenTtl = 86400,
}: StackOptions = {}): Promise<TestStack> {
  // The provider needs the API's origin (its audience) and the API needs the issuer, so the API's
  // port is picked up front (free-port.ts says why that pick does not race).
  const apiPort = await freePort();
  const signingKey = await generateSigningKey();
  const idp = await withOptionalDpopByDefault(() =>
    startIdentityProvider({
      port: 0,
      appOrigin: APP_ORIGIN,
      apiAudience: `http://localhost:${apiPort}`,
      accessTokenTtl,
      refreshTokenTtl,
      signingKey,
    }),
  );
  const api = await startResourceApi({
    port: apiPort,
    issuer: idp.issuer,
    audience: `http://localhost:${apiPort}`,
    appOrigin: APP_ORIGIN,
  }).catch(async (error: unknown) => {
    await idp.close();
    throw error;
  });
  return {
    idp,
    api,
    signingKey,
    appOrigin: APP_ORIGIN,
    close: async () => {
      await Promise.all([idp.close(), api.close()]);
    },
  };
}

/**
 * Most backend tests sign in as `demo-spa` without proofs to test Bearer behaviour, which the
 * dev default (`DEMO_CLIENT_DPOP=required`, since the app proves every token request) refuses.
 * So the test stack starts with `optional` unless a test has set the variable itself.
 */
export async function withOptionalDpopByDefault<T>(start: () => Promise<T>): Promise<T> {
  if (process.env['DEMO_CLIENT_DPOP'] !== undefined) return start();
  process.env['DEMO_CLIENT_DPOP'] = 'optional';
  try {
    return await start();
  } finally {
    delete process.env['DEMO_CLIENT_DPOP'];
  }
}
