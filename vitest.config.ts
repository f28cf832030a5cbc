import { defineConfig } from 'vitest/config';
import PlainSummaryReporter from './tooling/vitest/plain-summary-reporter.ts';

// One run over every package: faster than per-package runs, one summary line.
export default defineConfig({
  test: {
    projects: [
      'packages/*/vitest.config.ts',
      'packages/relay/vitest.native.config.ts',
      'apps/*/vitest.config.ts',
      'tooling/vitest.config.ts',
      'tooling/*/vitest.config.ts',
      'tooling/lab/vitest.node-io.config.ts',
    ],
    reporters: ['default', new PlainSummaryReporter()],
  },
});
