import { isUtf8 } from 'node:buffer';
import { parseEnhancedStatus } from '../enhanced-status';
import type { ReplyIssue, ReplyLine } from '../reply';

const CR = 13;
const ZERO = 48;

/** Parses a complete reply line (ending included); `undefined` when it has no three-digit code. */
export function parseReplyLine(
  raw: Buffer,
  offset: number,
  issues: ReplyIssue[],
): ReplyLine | undefined {
  const crlf = raw.length > 1 && raw[raw.length - 2] === CR;
  const end = raw.length - (crlf ? 2 : 1);
  const d0 = raw[0]! - ZERO;
  const d1 = raw[1]! - ZERO;
  const d2 = raw[2]! - ZERO;
  if (end < 3 || !(d0 >= 1 && d0 <= 5) || !(d1 >= 0 && d1 <= 9) || !(d2 >= 0 && d2 <= 9))
    return undefined;
  const separator = end > 3 ? raw[3] : undefined;
  let textStart = 4;
  if (separator !== undefined && separator !== 0x2d && separator !== 0x20) {
    addIssue(issues, 'no-separator');
    textStart = 3;
  }
  if (!crlf) addIssue(issues, 'bare-lf');
  if (!isUtf8(raw)) addIssue(issues, 'invalid-utf8');
  let text = end > textStart ? raw.toString('utf8', textStart, end) : '';
  const enhanced = parseEnhancedStatus(text);
  if (enhanced) text = text.replace(/^\S+ ?/, '');
  const line: ReplyLine = {
    code: d0 * 100 + d1 * 10 + d2,
    final: separator !== 0x2d,
    text,
    offset,
    raw,
    ending: crlf ? 'CRLF' : 'LF',
  };
  if (enhanced) line.enhanced = enhanced;
  return line;
}

/** Adds an issue once. */
export function addIssue(issues: ReplyIssue[], issue: ReplyIssue): void {
  if (!issues.includes(issue)) issues.push(issue);
}
