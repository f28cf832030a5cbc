import { LINE, LineAssembler, TOO_LONG } from './internal/line-assembler';
import { addIssue, parseReplyLine } from './internal/parse-reply-line';
import type { Reply, ReplyIssue, ReplyLine } from './reply';
import type { ServerEvent } from './reply-event';

/** Options for {@link ReplyParser}. */
export interface ReplyParserOptions {
  /** Longest reply line kept, in bytes before the line ending. Default 65536. */
  maxLineLength?: number;
  /** Most lines kept for one reply; further lines are dropped and the reply marked `truncated`. Default 1000. */
  maxReplyLines?: number;
}

/**
 * Incremental parser for the server side of an SMTP session: single and
 * multi-line replies with their codes and enhanced status codes. A reply is
 * reported only at its last line, however the bytes were split.
 *
 * @example
 * const replies = new ReplyParser();
 * mx.on('data', (chunk) => {
 *   for (const event of replies.push(chunk)) {
 *     if (event.type === 'reply') console.log(event.reply.code, event.reply.enhanced);
 *   }
 * });
 */
export class ReplyParser {
  private readonly lines: LineAssembler;
  private readonly maxReplyLines: number;
  private position = 0;
  private current: ReplyLine[] = [];
  private issues: ReplyIssue[] = [];

  constructor(options: ReplyParserOptions = {}) {
    this.lines = new LineAssembler(options.maxLineLength ?? 65536);
    this.maxReplyLines = options.maxReplyLines ?? 1000;
  }

  /** Stream offset of the next byte to be pushed (bytes pushed so far). */
  get offset(): number {
    return this.position;
  }

  /** Bytes of an incomplete line kept right now (never more than `maxLineLength + 1`). */
  get bufferedBytes(): number {
    return this.lines.buffered;
  }

  /** Parses the next chunk of server bytes; returns what it completed, in order. */
  push(chunk: Buffer): ServerEvent[] {
    const events: ServerEvent[] = [];
    const base = this.position;
    this.position += chunk.length;
    let i = 0;
    while (i < chunk.length) {
      i = this.lines.next(chunk, i, base);
      if (this.lines.status === TOO_LONG) {
        events.push({
          type: 'line-too-long',
          offset: this.lines.lineOffset,
          limit: this.lines.limit,
        });
      } else if (this.lines.status === LINE) {
        this.addLine(this.lines.line, this.lines.lineOffset, events);
      }
    }
    return events;
  }

  /** Forgets any partial reply (after a TLS handshake). Offsets keep counting. */
  reset(): void {
    this.lines.clear();
    this.current = [];
    this.issues = [];
  }

  private addLine(raw: Buffer, offset: number, events: ServerEvent[]): void {
    const line = parseReplyLine(raw, offset, this.issues);
    if (!line) {
      events.push({ type: 'malformed-line', offset, raw });
      return;
    }
    const first = this.current[0];
    if (first && first.code !== line.code) addIssue(this.issues, 'code-mismatch');
    if (this.current.length < this.maxReplyLines || line.final) this.current.push(line);
    else addIssue(this.issues, 'truncated');
    if (!line.final) return;
    const head = this.current[0]!;
    const reply: Reply = {
      code: head.code,
      lines: this.current,
      offset: head.offset,
      length: offset + raw.length - head.offset,
      issues: this.issues,
    };
    if (head.enhanced) reply.enhanced = head.enhanced;
    events.push({ type: 'reply', reply });
    this.current = [];
    this.issues = [];
  }
}
