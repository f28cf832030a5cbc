import { parseEhloReply, type Reply, type ReplyLine } from '@warp/smtp-parser';

const DASH = 0x2d;
const SPACE = 0x20;

/** The result of a rewrite: the bytes to send and what was taken out. */
export interface EhloRewrite {
  /** The reply to send on: byte-identical to the input lines when nothing was removed. */
  bytes: Buffer;
  /** Upper-cased keywords of the removed lines, in reply order (empty when nothing changed). */
  removed: string[];
}

/**
 * The wire bytes of a reply's lines, as received: a view of the received
 * chunk when the lines lie together in it (do not modify it), else a copy.
 */
export function replyBytes(reply: Reply): Buffer {
  const lines = reply.lines;
  const first = (lines[0] as ReplyLine).raw;
  // Usually the lines lie one after the other in the chunk they came in:
  // hand out a view of it instead of a copy (relayed replies go this way).
  let end = first.byteOffset + first.length;
  for (let i = 1; i < lines.length; i++) {
    const raw = (lines[i] as ReplyLine).raw;
    if (raw.buffer !== first.buffer || raw.byteOffset !== end) {
      return Buffer.concat(lines.map((line) => line.raw));
    }
    end += raw.length;
  }
  return Buffer.from(first.buffer, first.byteOffset, end - first.byteOffset);
}

/** True when `keyword` (upper-case) names this extension: `AUTH` also matches the old `AUTH=LOGIN` form. */
function names(extension: string, keyword: string): boolean {
  return extension === keyword || extension.startsWith(`${keyword}=`);
}

/**
 * A line's bytes with the separator RFC 5321 4.2.1 wants at its new position:
 * `-` on every line but the last, a space on the last. Only byte 3 changes
 * (or a separator is inserted after a bare code); the text and the line
 * ending stay as the server sent them.
 */
function withSeparator(line: ReplyLine, last: boolean): Buffer {
  const wanted = last ? SPACE : DASH;
  const raw = line.raw;
  const current = raw[3];
  if (current === wanted) return raw;
  if (current === DASH || current === SPACE) {
    const copy = Buffer.from(raw);
    copy[3] = wanted;
    return copy;
  }
  // `250` CRLF (a code alone) is a valid last line; as a continuation it needs its `-`.
  if (last) return raw;
  return Buffer.concat([raw.subarray(0, 3), Buffer.of(wanted), raw.subarray(3)]);
}

/**
 * Removes extensions from a 250 EHLO reply and re-emits it wire-exact, with
 * correct `250-` / `250 ` continuation whichever line went (the first
 * extension, one in the middle, the last one, the only one). The greeting
 * line is never removed. Keywords match case-insensitively. Any reply that
 * is not a 250 EHLO reply comes back unchanged.
 *
 * @example
 * const { bytes, removed } = removeCapabilities(reply, ['STARTTLS', 'CHUNKING']);
 * mta.write(bytes); // removed: ['STARTTLS', 'CHUNKING']
 */
export function removeCapabilities(reply: Reply, keywords: Iterable<string>): EhloRewrite {
  const ehlo = parseEhloReply(reply);
  const wanted = [...keywords].map((keyword) => keyword.toUpperCase());
  const dropped = new Map<number, string>();
  for (const extension of ehlo?.extensions ?? []) {
    if (wanted.some((keyword) => names(extension.keyword, keyword)))
      dropped.set(extension.line, extension.keyword);
  }
  if (dropped.size === 0) return { bytes: replyBytes(reply), removed: [] };
  const kept = reply.lines.filter((_, index) => !dropped.has(index));
  return {
    bytes: Buffer.concat(kept.map((line, index) => withSeparator(line, index === kept.length - 1))),
    removed: [...dropped.values()],
  };
}

/** Whether a 250 EHLO reply lists `keyword` (case-insensitive). */
export function hasCapability(reply: Reply, keyword: string): boolean {
  return parseEhloReply(reply)?.capabilities.has(keyword.toUpperCase()) ?? false;
}
