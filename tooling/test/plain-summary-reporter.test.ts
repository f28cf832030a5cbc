import { describe, expect, it } from 'vitest';
import { countRun } from '../vitest/plain-summary-reporter.ts';

type Module = Parameters<typeof countRun>[0][number];

function fakeModule(states: string[], errors = 0): Module {
  return {
    errors: () => Array.from({ length: errors }, () => ({ message: 'load failed' })),
    children: { allTests: () => states.map((state) => ({ result: () => ({ state }) })) },
  } as unknown as Module;
}

describe('countRun', () => {
  it('counts passed, failed and skipped tests across modules', () => {
    const counts = countRun(
      [fakeModule(['passed', 'failed']), fakeModule(['skipped', 'passed'])],
      [],
    );
    expect(counts).toEqual({ passed: 2, failed: 1, skipped: 1 });
  });

  it('counts a module that failed to load and each unhandled error as a failure', () => {
    const counts = countRun(
      [fakeModule([], 1)],
      [{ message: 'boom' } as never, { message: 'x' } as never],
    );
    expect(counts).toEqual({ passed: 0, failed: 3, skipped: 0 });
  });
});
