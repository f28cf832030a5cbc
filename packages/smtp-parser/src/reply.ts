import type { LineEnding } from './command';

/** An RFC 3463 enhanced status code `class.subject.detail`. */
export interface EnhancedStatus {
  /** 2 (success), 4 (persistent transient) or 5 (permanent). */
  class: number;
  subject: number;
  detail: number;
}

/** One line of a reply as it was on the wire. */
export interface ReplyLine {
  /** The three-digit code of this line. */
  code: number;
  /** False for `250-` continuation lines, true for the final `250 ` line. */
  final: boolean;
  /** Enhanced status code at the start of the text, if any. */
  enhanced?: EnhancedStatus;
  /** Text after the code, separator and enhanced code (UTF-8 decoded). */
  text: string;
  /** Stream offset of the line's first byte. */
  offset: number;
  /** Wire bytes of the line including its ending (a view, not a copy). */
  raw: Buffer;
  ending: LineEnding;
}

/**
 * Something in a reply that breaks RFC 5321 but was still parsed.
 * - `code-mismatch`: lines of one reply carry different codes.
 * - `bare-lf`: a line ended in LF without CR.
 * - `no-separator`: a line has text right after the code (`250ok`).
 * - `truncated`: more than `maxReplyLines` lines; the extra lines were dropped.
 * - `invalid-utf8`: a line is not valid UTF-8.
 */
export type ReplyIssue =
  | 'code-mismatch'
  | 'bare-lf'
  | 'no-separator'
  | 'truncated'
  | 'invalid-utf8';

/** A complete reply (one or more lines, ending at the first line without `-`). */
export interface Reply {
  /** Reply code of the first line. */
  code: number;
  /** Enhanced status code of the first line, if any. */
  enhanced?: EnhancedStatus;
  /** Every line in order. */
  lines: ReplyLine[];
  /** Stream offset of the first byte. */
  offset: number;
  /** Wire length of the whole reply. */
  length: number;
  /** RFC violations seen (empty when clean). */
  issues: ReplyIssue[];
}
