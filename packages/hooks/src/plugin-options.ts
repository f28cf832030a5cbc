import { WarpError } from './warp-error';

/**
 * The shape of a typia validation result (`typia.validate<T>()` /
 * `typia.createValidateEquals<T>()`), declared structurally so this package
 * needs no runtime dependency.
 */
export type OptionsValidation<T> =
  | { readonly success: true; readonly data: T }
  | {
      readonly success: false;
      readonly errors: readonly {
        readonly path: string;
        readonly expected: string;
        readonly value: unknown;
      }[];
    };

/** One problem in a plugin's options. */
export interface OptionsIssue {
  /** Where, from the options root: `options.rotate.maxBytes`. */
  readonly path: string;
  /** What the plugin expects there (typia's wording: `number & Minimum<1>`). */
  readonly expected: string;
  /** What was found, shortly (`"ten"`, `undefined`). */
  readonly found: string;
}

/** Thrown by a plugin factory when its options are invalid (`WARP_ERR_HOOKS_INVALID_OPTIONS`). */
export class PluginOptionsError extends WarpError {
  /** The plugin whose options are wrong. */
  readonly plugin: string;
  /** Every problem found. */
  readonly issues: readonly OptionsIssue[];

  constructor(plugin: string, issues: readonly OptionsIssue[]) {
    const lines = issues.map(
      (issue) => `  ${issue.path}: expected ${issue.expected}, got ${issue.found}`,
    );
    super(
      'WARP_ERR_HOOKS_INVALID_OPTIONS',
      `[warp] [plugin-${plugin}] invalid options; fix them in the configuration:\n${lines.join('\n')}`,
    );
    this.name = 'PluginOptionsError';
    this.plugin = plugin;
    this.issues = issues;
  }
}

function show(value: unknown): string {
  if (value === undefined) return 'undefined';
  try {
    const text = JSON.stringify(value);
    return text.length > 60 ? `${text.slice(0, 57)}...` : text;
  } catch {
    return typeof value;
  }
}

/**
 * Turn a typia validation into options or a {@link PluginOptionsError}
 * listing every path and reason (`$input` is shown as `options`).
 *
 * @example
 * ```ts
 * const validate = typia.createValidateEquals<FileOptions>();
 * export default definePlugin((input: FileOptions) => {
 *   const options = checkOptions('file', validate(input));
 *   return { name: 'file', apiVersion: 1, hooks: { ... } };
 * });
 * ```
 */
export function checkOptions<T>(plugin: string, validation: OptionsValidation<T>): T {
  if (validation.success) return validation.data;
  throw new PluginOptionsError(
    plugin,
    validation.errors.map((error) => ({
      path: error.path.replace(/^\$input/, 'options'),
      expected: error.expected,
      found: show(error.value),
    })),
  );
}
