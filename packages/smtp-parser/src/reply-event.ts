import type { Reply } from './reply';

/** A complete reply. */
export interface ReplyEvent {
  type: 'reply';
  reply: Reply;
}

/** A line that does not start with a three-digit code; it is not part of any reply. */
export interface MalformedReplyLineEvent {
  type: 'malformed-line';
  offset: number;
  /** Wire bytes including the ending (a view, not a copy). */
  raw: Buffer;
}

/** A reply line passed the length limit; its bytes up to the next LF are skipped, not kept. */
export interface ReplyLineTooLongEvent {
  type: 'line-too-long';
  offset: number;
  limit: number;
}

/** Everything {@link ReplyParser} reports, discriminated by `type`. */
export type ServerEvent = ReplyEvent | MalformedReplyLineEvent | ReplyLineTooLongEvent;
