/**
 * RFC 9470 through the BFF's proxy: an API's 401 asking for a stronger sign-in reaches the app as
 * it came (its challenge intact), with no refresh, no retry and no 401 brake; the step-up
 * challenge reader of the proxy against the challenge forms it may meet.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { isStepUpChallenge } from '../step-up.ts';
import { Browser } from './helpers/browser.ts';
import { startBff, startStack, type RunningBff, type Stack } from './helpers/stack.ts';

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

const refreshes = () => stack.idp.stats.snapshot().grants['refresh_token'] ?? 0;
const stepUps = () =>
  stack.api.stats.snapshot().unauthorized['insufficient_user_authentication'] ?? 0;

describe('an API asking for a stronger sign-in, through the proxy', () => {
  it('reaches the app as it came: 0 refreshes, 0 retries, no brake', async () => {
    const browser = new Browser(stack.origin);
    await browser.signIn();
    const [refreshesBefore, stepUpsBefore] = [refreshes(), stepUps()];
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => browser.call('/api/payments')),
    );
    for (const answer of answers) {
      assert.equal(answer.status, 401);
      assert.equal(answer.headers.get('x-bff-source'), 'api');
      assert.equal(answer.headers.get('x-bff-retried'), null);
      assert.match(
        answer.headers.get('www-authenticate') ?? '',
        /^Bearer error="insufficient_user_authentication", .*acr_values="urn:demo:otp", max_age=300$/,
      );
    }
    assert.equal(refreshes() - refreshesBefore, 0);
    // One API answer per call: nothing was retried.
    assert.equal(stepUps() - stepUpsBefore, 5);
    const [id] = await bff.store.sessionsBySub('alice');
    const lookup = await bff.store.getSession(id!);
    assert.equal(lookup.state === 'active' && lookup.session.tokens.apiRefused, undefined);
    // The session goes on.
    assert.equal((await browser.call('/api/me')).status, 200);
  });
});

describe('isStepUpChallenge', () => {
  it('knows the RFC 9470 error in its quoted and unquoted forms, among other challenges', () => {
    for (const header of [
      'Bearer error="insufficient_user_authentication", acr_values="x"',
      'Bearer error=insufficient_user_authentication',
      'Basic realm="a", Bearer error="insufficient_user_authentication", max_age="5"',
      ['Basic realm="a"', 'DPoP error="insufficient_user_authentication"'],
    ]) {
      assert.equal(isStepUpChallenge(header), true, String(header));
    }
    for (const header of [
      undefined,
      'Bearer',
      'Bearer error="invalid_token"',
      'Bearer error_description="insufficient_user_authentication"',
      'Bearer error="insufficient_user_authentication_x"',
    ]) {
      assert.equal(isStepUpChallenge(header), false, String(header));
    }
  });
});
