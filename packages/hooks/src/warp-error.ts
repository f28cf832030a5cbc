const WARP_ERROR = Symbol.for('warp.error');

/** Options of {@link WarpError}. */
export interface WarpErrorOptions {
  /** The error this one wraps. */
  cause?: unknown;
  /** The SMTP reply this error becomes, when it is answered to the MTA. */
  reply?: { code: number; enhanced?: string; text: string };
}

/**
 * The error class of warp: a stable `code` (`WARP_ERR_<AREA>_<WHAT>`), the
 * wrapped `cause`, and a `Symbol.for('warp.error')` marker recognised by
 * {@link isWarpError} across duplicate installs (where `instanceof` fails).
 *
 * @example
 * ```ts
 * throw new WarpError('WARP_ERR_HOOKS_LOAD_FAILED', '[warp] [hooks] plugin "x" cannot be imported: check the name');
 * ```
 */
export class WarpError extends Error {
  /** Stable code, listed in docs/errors.md. */
  readonly code: string;
  /** The SMTP reply this error becomes, if any. */
  readonly reply?: { code: number; enhanced?: string; text: string };
  readonly [WARP_ERROR] = true;

  constructor(code: string, message: string, options: WarpErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'WarpError';
    this.code = code;
    if (options.reply) this.reply = options.reply;
  }

  /** Whether `error` is a warp error (by marker, not `instanceof`). */
  static isInstance(error: unknown): error is WarpError {
    return isWarpError(error);
  }
}

/** Whether `error` carries the `Symbol.for('warp.error')` marker and a string `code`. */
export function isWarpError(error: unknown): error is WarpError {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as Record<symbol, unknown>)[WARP_ERROR] === true &&
    typeof (error as { code?: unknown }).code === 'string'
  );
}
