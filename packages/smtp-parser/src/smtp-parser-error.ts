const WARP_ERROR = Symbol.for('warp.error');

/** Error codes thrown by @warp/smtp-parser (only for caller mistakes, never for wire input). */
export type SmtpParserErrorCode = 'WARP_ERR_SMTP_INVALID_INPUT' | 'WARP_ERR_SMTP_PARSER_STATE';

const CODES: ReadonlySet<string> = new Set<SmtpParserErrorCode>([
  'WARP_ERR_SMTP_INVALID_INPUT',
  'WARP_ERR_SMTP_PARSER_STATE',
]);

/**
 * Error thrown by @warp/smtp-parser when the caller misuses the API (a serializer
 * given a CR or LF inside a field, `startData()` while no DATA is pending).
 * Bytes from the wire never throw: problems in them come back as events.
 *
 * Recognise it with {@link SmtpParserError.isInstance}, not `instanceof`.
 */
export class SmtpParserError extends Error {
  /** Stable machine-readable code, `WARP_ERR_SMTP_*`. */
  readonly code: SmtpParserErrorCode;
  readonly [WARP_ERROR] = true;

  constructor(code: SmtpParserErrorCode, message: string, options?: { cause?: unknown }) {
    super(`[warp] [smtp-parser] ${message}`, options);
    this.name = 'SmtpParserError';
    this.code = code;
  }

  /** True for any warp error carrying the `Symbol.for('warp.error')` marker and an smtp-parser code. */
  static isInstance(error: unknown): error is SmtpParserError {
    return (
      typeof error === 'object' &&
      error !== null &&
      (error as Record<symbol, unknown>)[WARP_ERROR] === true &&
      CODES.has((error as { code?: unknown }).code as string)
    );
  }
}
