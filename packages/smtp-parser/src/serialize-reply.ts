import { formatEnhancedStatus } from './enhanced-status';
import type { EnhancedStatus } from './reply';
import { SmtpParserError } from './smtp-parser-error';

/** A reply to write. */
export interface ReplyInput {
  /** Three-digit code, 100..599. */
  code: number;
  /** Enhanced status code written at the start of every line. */
  enhanced?: EnhancedStatus | string;
  /** Text lines; one entry gives a single-line reply, more give `code-` continuation lines. */
  lines: string[];
}

/**
 * Writes a reply, multi-line when given several lines (`250-a` CRLF `250 b` CRLF).
 *
 * @example serializeReply({ code: 451, enhanced: '4.7.5', lines: ['try again later'] })
 * // <Buffer '451 4.7.5 try again later\r\n'>
 */
export function serializeReply(reply: ReplyInput): Buffer {
  if (!Number.isInteger(reply.code) || reply.code < 100 || reply.code > 599) {
    throw new SmtpParserError(
      'WARP_ERR_SMTP_INVALID_INPUT',
      `reply code ${reply.code} is not 100..599: pass a three-digit code`,
    );
  }
  const enhanced =
    typeof reply.enhanced === 'string' || reply.enhanced === undefined
      ? reply.enhanced
      : formatEnhancedStatus(reply.enhanced);
  const lines = reply.lines.length === 0 ? [''] : reply.lines;
  let out = '';
  lines.forEach((text, index) => {
    if (/[\r\n]/.test(text) || (enhanced !== undefined && /[\r\n ]/.test(enhanced))) {
      throw new SmtpParserError(
        'WARP_ERR_SMTP_INVALID_INPUT',
        `reply line ${JSON.stringify(text)} contains CR or LF: pass one entry per line`,
      );
    }
    const separator = index === lines.length - 1 ? ' ' : '-';
    const body = enhanced === undefined ? text : text === '' ? enhanced : `${enhanced} ${text}`;
    out +=
      body === '' && separator === ' '
        ? `${reply.code}\r\n`
        : `${reply.code}${separator}${body}\r\n`;
  });
  return Buffer.from(out, 'utf8');
}
