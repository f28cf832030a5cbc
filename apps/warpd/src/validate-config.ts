import type * as Typia from 'typia';
import type { WarpdConfig } from './warpd-config';

/** One problem found in a configuration. */
export interface ConfigIssue {
  /** Where, as a path from the file's root (`listen[0]`, `tls.policy`). */
  path: string;
  /** What typia expected there. */
  expected: string;
  /** What the file has there, as JSON. */
  found: string;
}

/** Result of {@link validateConfig}. */
export type ConfigValidation =
  | { ok: true; config: WarpdConfig }
  | { ok: false; issues: ConfigIssue[] };

// `typia` is a compile-time name only: the typia transform replaces the call
// with generated code that imports typia's small internal helpers. A value
// import (`import typia from 'typia'`) would stay in the build as a bare
// `import "typia"` and load all of typia at startup (~3 MiB RSS) for nothing.
declare const typia: typeof Typia.default;
const validateEquals: (input: unknown) => Typia.IValidation<WarpdConfig> =
  typia.createValidateEquals<WarpdConfig>();

/**
 * Validates a parsed configuration file exactly (unknown keys are errors),
 * reporting each problem with its path, what was expected and what was found.
 *
 * @example
 * ```ts
 * const result = validateConfig(JSON.parse(text));
 * if (!result.ok) for (const i of result.issues) console.error(`${i.path}: expected ${i.expected}, found ${i.found}`);
 * ```
 */
export function validateConfig(input: unknown): ConfigValidation {
  const result = validateEquals(input);
  if (result.success) return { ok: true, config: result.data };
  return {
    ok: false,
    issues: result.errors.map((error) => ({
      path: error.path.replace(/^\$input\.?/, '') || '(root)',
      expected: error.expected,
      found: error.value === undefined ? 'undefined' : JSON.stringify(error.value),
    })),
  };
}

/** Formats issues as `path: expected X, found Y` lines for operators. */
export function formatIssues(issues: readonly ConfigIssue[]): string {
  return issues
    .map((issue) => `${issue.path}: expected ${issue.expected}, found ${issue.found}`)
    .join('\n');
}
