const WARP_ERROR = Symbol.for('warp.error');

const CODES = [
  'WARP_ERR_NATIVE_IO_BINDING_LOAD_FAILED',
  'WARP_ERR_NATIVE_IO_NOT_MAIN_THREAD',
] as const;

/** Every code a {@link NativeIoError} can carry (rows in docs/errors.md). */
export type NativeIoErrorCode = (typeof CODES)[number];

/**
 * The error `@warp/native-io` throws when its addon cannot be used. Socket
 * failures are not NativeIoErrors: they are `Error`s with `code`, `errno` and
 * `syscall` as `net.Socket` emits them (`ECONNREFUSED`, ...), so code written
 * for Node's sockets reads them unchanged.
 */
export class NativeIoError extends Error {
  /** Stable machine-readable code, listed in docs/errors.md. */
  readonly code: NativeIoErrorCode;
  readonly [WARP_ERROR] = true;

  constructor(code: NativeIoErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(`[warp] [native-io] ${message}`, options.cause === undefined ? {} : options);
    this.name = 'NativeIoError';
    this.code = code;
  }

  /** Whether `error` is a {@link NativeIoError}, from any copy of this package. */
  static isInstance(error: unknown): error is NativeIoError {
    return (
      typeof error === 'object' &&
      error !== null &&
      (error as { [WARP_ERROR]?: unknown })[WARP_ERROR] === true &&
      (CODES as readonly unknown[]).includes((error as { code?: unknown }).code)
    );
  }
}
