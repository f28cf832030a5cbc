import { fileURLToPath } from 'node:url';
import typia from '@typia/unplugin/vite';
import { defineProject, type ViteUserConfig } from 'vitest/config';

/** Options for {@link warpProject}. */
export interface WarpProjectOptions {
  /** Project name shown by vitest; the package folder name. */
  name: string;
  /** Enable the typia compile-time transform (packages that call `typia.*`). */
  typia?: boolean;
  /** Per-test timeout in ms (integration suites that start real services need more). */
  testTimeout?: number;
  /** Environment variables for the tests (a second project over the same files, say). */
  env?: Record<string, string>;
}

/**
 * The vitest settings every package shares: tests next to the code, sibling
 * packages imported from source through the `source` export condition (so no
 * build is needed before testing).
 */
export function warpProject(configUrl: string, options: WarpProjectOptions): ViteUserConfig {
  const root = fileURLToPath(new URL('.', configUrl));
  return defineProject({
    root,
    plugins: options.typia ? [typia()] : [],
    // vitest 4 / vite 8 reads only ssr.resolve.conditions for Node tests, and
    // setting it replaces the defaults, so they are listed again after `source`.
    ssr: { resolve: { conditions: ['source', 'module', 'node', 'development|production'] } },
    resolve: { conditions: ['source', 'module', 'node', 'development|production'] },
    test: {
      name: options.name,
      environment: 'node',
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout: options.testTimeout ?? 15_000,
      hookTimeout: options.testTimeout ?? 30_000,
      env: options.env,
    },
  });
}
