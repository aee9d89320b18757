/**
 * The resource API's DPoP nonces (RFC 9449 section 9): stateless, an HMAC of the current
 * minute under a per-process secret, so any of the recent values can be checked without storing
 * what was handed out. A valid nonce proves that the proof was made after the API issued it,
 * which is what lets the API accept a proof from a device whose clock is wrong.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** One nonce per minute. */
const STEP_SECONDS = 60;

/** A nonce stays acceptable for the minute it was issued in and the four after it. */
const STEPS_ACCEPTED = 5;

/** How long an issued nonce stays acceptable, at most (seconds). */
export const NONCE_LIFETIME_SECONDS = STEP_SECONDS * STEPS_ACCEPTED;

export interface DpopNonces {
  /** The nonce to hand out now (the `DPoP-Nonce` header). */
  current(): string;
  /** True when `nonce` was issued by this process within the last NONCE_LIFETIME_SECONDS. */
  isValid(nonce: string): boolean;
}

/** @param now the server clock in ms (tests move it). */
export function createDpopNonces(now: () => number = Date.now): DpopNonces {
  // Per process: a restart invalidates every nonce, and the clients' one retry picks a new one.
  const secret = randomBytes(32);
  const nonceFor = (step: number) =>
    createHmac('sha256', secret).update(`dpop-nonce:${step}`).digest('base64url');
  const stepNow = () => Math.floor(now() / 1000 / STEP_SECONDS);

  return {
    current: () => nonceFor(stepNow()),
    isValid(nonce) {
      const given = Buffer.from(nonce);
      const step = stepNow();
      let valid = false;
      for (let back = 0; back < STEPS_ACCEPTED; back += 1) {
        const expected = Buffer.from(nonceFor(step - back));
        // Compares every candidate in constant time, so timing does not reveal a near miss.
        valid = (expected.length === given.length && timingSafeEqual(expected, given)) || valid;
      }
      return valid;
    },
  };
}
