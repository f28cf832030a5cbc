import type { Reporter, SerializedError, TestModule, TestRunEndReason } from 'vitest/node';

/** Counts a finished run the way CI reads it. */
export interface RunCounts {
  passed: number;
  failed: number;
  skipped: number;
}

/**
 * Tallies a vitest run. A test file that failed to load and an unhandled error
 * each count as one failure: they hide tests that never ran.
 */
export function countRun(
  testModules: ReadonlyArray<TestModule>,
  unhandledErrors: ReadonlyArray<SerializedError>,
): RunCounts {
  const counts: RunCounts = { passed: 0, failed: unhandledErrors.length, skipped: 0 };
  for (const testModule of testModules) {
    if (testModule.errors().length > 0) counts.failed += 1;
    for (const test of testModule.children.allTests()) {
      const state = test.result().state;
      if (state === 'passed') counts.passed += 1;
      else if (state === 'failed') counts.failed += 1;
      else counts.skipped += 1;
    }
  }
  return counts;
}

/** Ends the run with the plain line `N passed, N failed[, N skipped]` that CI reads. */
export default class PlainSummaryReporter implements Reporter {
  onTestRunEnd(
    testModules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<SerializedError>,
    _reason: TestRunEndReason,
  ): void {
    const { passed, failed, skipped } = countRun(testModules, unhandledErrors);
    const tail = skipped > 0 ? `, ${skipped} skipped` : '';
    process.stdout.write(`\n${passed} passed, ${failed} failed${tail}\n`);
  }
}
