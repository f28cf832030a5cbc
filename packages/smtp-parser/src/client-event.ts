import type { Command } from './command';

/**
 * The kinds of ambiguous end-of-data sequence (the "SMTP smuggling" class).
 * Each is a dot alone between line breaks that are not both CRLF; some servers
 * treat them as the end of data, RFC 5321 does not. The parser reports them and
 * keeps reading the message: refuse the message if you cannot be sure the next
 * hop sees the same end.
 */
export type AmbiguousEnding =
  | 'lf-dot-lf'
  | 'lf-dot-crlf'
  | 'lf-dot-cr'
  | 'crlf-dot-lf'
  | 'crlf-dot-cr'
  | 'cr-dot-cr'
  | 'cr-dot-lf'
  | 'cr-dot-crlf';

/** A complete command line. */
export interface CommandEvent {
  type: 'command';
  command: Command;
}

/** Message content after DATA (dot-unstuffed when the parser was asked to). */
export interface DataEvent {
  type: 'data';
  /** Stream offset of the first wire byte covered. */
  offset: number;
  /** Wire bytes covered (may exceed `content.length` when unstuffing). */
  length: number;
  /** Content bytes; a view into the pushed chunk when possible. */
  content: Buffer;
}

/** The `.` CRLF that ends DATA content; the parser is back in command mode after it. */
export interface DataEndEvent {
  type: 'data-end';
  /** Stream offset of the `.`. */
  offset: number;
  /** Always 3 (`.` CR LF). */
  length: number;
}

/** A dot between line breaks that are not both CRLF: see {@link AmbiguousEnding}. */
export interface AmbiguousEndingEvent {
  type: 'ambiguous-ending';
  kind: AmbiguousEnding;
  /**
   * Stream offset of the line-break byte right before the dot (for `crlf-*`
   * kinds, the LF; the CR before it was part of the previous line).
   */
  offset: number;
  /** Wire length from `offset` to the end of the line break after the dot (3 or 4). */
  length: number;
}

/** Octets of a BDAT chunk (never parsed as lines). */
export interface BdatDataEvent {
  type: 'bdat-data';
  offset: number;
  length: number;
  content: Buffer;
}

/** The last octet of a BDAT chunk has arrived; the parser is back in command mode. */
export interface BdatEndEvent {
  type: 'bdat-end';
  /** Stream offset just after the chunk. */
  offset: number;
  /** Chunk size from the BDAT command. */
  size: number;
  /** True when the command said `LAST`. */
  last: boolean;
}

/** A line passed the length limit; its bytes up to the next LF are skipped, not kept. */
export interface LineTooLongEvent {
  type: 'line-too-long';
  /** Stream offset of the line's first byte. */
  offset: number;
  /** The limit that was passed. */
  limit: number;
}

/**
 * Bytes the parser dropped without parsing:
 * - `after-starttls`: plaintext after STARTTLS, before `reset()` (CVE-2011-0411 class);
 * - `before-354`: more than `maxLineLength` bytes sent after DATA before `startData()`.
 */
export interface BytesDiscardedEvent {
  type: 'bytes-discarded';
  reason: 'after-starttls' | 'before-354';
  offset: number;
  length: number;
}

/** Everything {@link CommandParser} reports, discriminated by `type`. */
export type ClientEvent =
  | CommandEvent
  | DataEvent
  | DataEndEvent
  | AmbiguousEndingEvent
  | BdatDataEvent
  | BdatEndEvent
  | LineTooLongEvent
  | BytesDiscardedEvent;
