const WARP_ERROR = Symbol.for('warp.error');

const CODES = [
  'WARP_ERR_ORIGINAL_DST_NOT_REDIRECTED',
  'WARP_ERR_ORIGINAL_DST_SYSCALL_FAILED',
  'WARP_ERR_ORIGINAL_DST_INVALID_ARGUMENT',
  'WARP_ERR_ORIGINAL_DST_BINDING_LOAD_FAILED',
  'WARP_ERR_ORIGINAL_DST_UNSUPPORTED_PLATFORM',
] as const;

/** Every code an {@link OriginalDstError} can carry (rows in docs/errors.md). */
export type OriginalDstErrorCode = (typeof CODES)[number];

/** Fields of an {@link OriginalDstError} beyond its message. */
export interface OriginalDstErrorDetails {
  /** The errno name (`ENOENT`, `EBADF`, ...) when a system call failed. */
  errno?: string;
  /** The system call that failed (`getsockopt`, `getsockname`, `bind`, ...). */
  syscall?: string;
  /** The error being wrapped. */
  cause?: unknown;
}

/**
 * The error every function of `@warp/original-dst` throws. Recognise it with
 * {@link OriginalDstError.isInstance} (a `Symbol.for('warp.error')` marker that
 * survives duplicate installs) and branch on `code`.
 *
 * @example
 * ```ts
 * try {
 *   getOriginalDestination(socket);
 * } catch (error) {
 *   if (OriginalDstError.isInstance(error) && error.code === 'WARP_ERR_ORIGINAL_DST_NOT_REDIRECTED') {
 *     socket.destroy(); // a direct connection: relaying it would make an open relay
 *   }
 * }
 * ```
 */
export class OriginalDstError extends Error {
  /** Stable machine-readable code, listed in docs/errors.md. */
  readonly code: OriginalDstErrorCode;
  /** The errno name when a system call failed (`ENOENT`, `EBADF`, ...). */
  readonly errno: string | undefined;
  /** The system call that failed, when one did. */
  readonly syscall: string | undefined;
  readonly [WARP_ERROR] = true;

  constructor(code: OriginalDstErrorCode, message: string, details: OriginalDstErrorDetails = {}) {
    super(
      `[warp] [original-dst] ${message}`,
      details.cause === undefined ? {} : { cause: details.cause },
    );
    this.name = 'OriginalDstError';
    this.code = code;
    this.errno = details.errno;
    this.syscall = details.syscall;
  }

  /** Whether `error` is an {@link OriginalDstError}, from any copy of this package. */
  static isInstance(error: unknown): error is OriginalDstError {
    return (
      typeof error === 'object' &&
      error !== null &&
      (error as { [WARP_ERROR]?: unknown })[WARP_ERROR] === true &&
      (CODES as readonly unknown[]).includes((error as { code?: unknown }).code)
    );
  }
}
