import fc from 'fast-check';

import { describeError } from './simulated-tabs';

/** How a property run went: the runs that completed, and whether time ran out first. */
export interface PropertyRunReport {
  readonly seed: number;
  readonly asked: number;
  readonly completed: number;
  readonly interrupted: boolean;
  readonly seconds: number;
}

export interface PropertyCheckOptions<T> {
  readonly label: string;
  readonly seed: number;
  readonly numRuns: number;
  /** Fewer completed runs than this fail the check, whatever the reason (a slow machine). */
  readonly minRuns: number;
  /** Wall-clock bound of the whole check, ms; a check that reaches it reports the runs it made. */
  readonly timeLimitMs: number;
  readonly path?: string;
  readonly examples?: readonly T[];
}

/**
 * Runs an async property honestly: prints the seed first and the runs that really completed
 * last (visible in the Karma log and CI), and fails on a counterexample, or when the time limit
 * stopped it before `minRuns` runs, instead of passing a partial run as a whole one.
 */
export async function checkProperty<T>(
  arbitrary: fc.Arbitrary<T>,
  run: (value: T) => Promise<void>,
  options: PropertyCheckOptions<T>,
): Promise<PropertyRunReport> {
  const { label, seed, numRuns, minRuns, timeLimitMs, path } = options;
  console.log(`[${label}] seed ${seed}, ${numRuns} runs asked${path ? `, path ${path}` : ''}`);
  const started = performance.now();
  const details = await fc.check(fc.asyncProperty(arbitrary, run), {
    seed,
    numRuns,
    path,
    examples: (options.examples ?? []).map((example) => [example] as [T]),
    endOnFailure: path !== undefined,
    interruptAfterTimeLimit: timeLimitMs,
    // Reported below with the real count: an interrupted run is judged by the floor.
    markInterruptAsFailure: false,
  });
  const report: PropertyRunReport = {
    seed,
    asked: numRuns,
    completed: details.numRuns,
    interrupted: details.interrupted,
    seconds: Number(((performance.now() - started) / 1000).toFixed(1)),
  };
  const stopped = report.interrupted ? `, stopped by the ${timeLimitMs / 1000} s limit` : '';
  console.log(
    `[${label}] seed ${seed}: ${report.completed} of ${numRuns} runs completed in ` +
      `${report.seconds} s${stopped}; ${details.failed ? 'FAILED' : 'all completed runs passed'}`,
  );
  if (details.failed) {
    // The counterexample and how to replay it, then the run's own story (the violated invariant).
    const cause = details.errorInstance;
    const story = cause instanceof Error ? cause.message : String(cause);
    throw new Error(`${(await fc.asyncDefaultReportMessage(details)) ?? 'failed'}\n${story}`);
  }
  if (report.completed < minRuns) {
    throw new Error(
      `[${label}] seed ${seed}: only ${report.completed} runs completed before the time limit ` +
        `(at least ${minRuns} needed); the property was not checked enough to pass`,
    );
  }
  return report;
}

/**
 * Sends the app's console warnings and errors into the story of the run under way: hundreds of
 * runs would flood the output, and a failing run's story should say what the app said. Call it
 * in `beforeEach` and call what it returns in `afterEach`. It uses no test framework's spies, so
 * this file also compiles in the app's own build and works under any runner.
 */
export function tellConsoleTo(tell: (line: string) => void): () => void {
  const original = { warn: console.warn, error: console.error };
  for (const level of ['warn', 'error'] as const) {
    console[level] = (...args: unknown[]) =>
      tell(
        `console.${level}: ${args.map((a) => (a instanceof Error ? describeError(a) : String(a))).join(' ')}`,
      );
  }
  return () => Object.assign(console, original);
}
