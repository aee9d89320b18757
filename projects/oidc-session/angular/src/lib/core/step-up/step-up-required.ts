import { HttpErrorResponse } from '@angular/common/http';

import { StepUpRequiredError } from '../auth-errors';
import { readStepUpChallenge } from './step-up-challenge';
import { MalformedChallengeError } from './www-authenticate';

/**
 * The StepUpRequiredError of an API's refusal, or null when the refusal is no RFC 9470 step-up
 * (any status but 401, or a 401 without the challenge). Never throws: a challenge that names the
 * error but cannot be read is a step-up with nothing asked for.
 */
export function stepUpRequired(error: HttpErrorResponse): StepUpRequiredError | null {
  if (error.status !== 401) return null;
  const url = (error.url ?? '').split(/[?#]/)[0]!;
  try {
    const challenge = readStepUpChallenge(error.headers.get('WWW-Authenticate'));
    return challenge ? new StepUpRequiredError(challenge.acrValues, challenge.maxAge, url) : null;
  } catch (problem: unknown) {
    if (!(problem instanceof MalformedChallengeError)) throw problem;
    return new StepUpRequiredError(null, null, url, true);
  }
}
