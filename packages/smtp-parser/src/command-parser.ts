import type { ClientEvent } from './client-event';
import type { Command } from './command';
import { DataScanner } from './internal/data-scanner';
import { discarded, HeldBytes } from './internal/held-bytes';
import { LINE, LineAssembler, TOO_LONG } from './internal/line-assembler';
import { parseCommandLine } from './internal/parse-command-line';
import { SmtpParserError } from './smtp-parser-error';

/** Options for {@link CommandParser}. */
export interface CommandParserOptions {
  /** Longest command line kept, in bytes before the line ending. Default 65536. */
  maxLineLength?: number;
  /** Remove the stuffed leading dot from DATA content lines. Default false. */
  unstuff?: boolean;
  /**
   * Treat every DATA command as accepted (as if `startData()` were called at
   * once). For parsing a client-only transcript; a relay leaves it off and
   * calls `startData()` when the 354 arrives. Default false.
   */
  autoStartData?: boolean;
}

/**
 * Where the client stream is:
 * - `command`: reading command lines;
 * - `data-pending`: DATA was sent, waiting for you to call `startData()` or `resume()`;
 * - `data`: reading message content until `.` CRLF;
 * - `bdat`: counting the octets of a BDAT chunk;
 * - `starttls-pending`: STARTTLS was sent; bytes are discarded until `reset()` or `resume()`.
 */
export type CommandParserMode = 'command' | 'data-pending' | 'data' | 'bdat' | 'starttls-pending';

/**
 * Incremental parser for the client side of an SMTP session: commands, DATA
 * content and BDAT chunks. Push chunks split anywhere; get the same events as
 * for the whole stream. Never throws on wire bytes and never holds more than
 * `maxLineLength` bytes of an incomplete line.
 *
 * @example
 * const parser = new CommandParser();
 * socket.on('data', (chunk) => {
 *   for (const event of parser.push(chunk)) {
 *     if (event.type === 'command') queue.push(event.command);
 *   }
 * });
 * // when the server's 354 answers DATA: events = parser.startData();
 */
export class CommandParser {
  private readonly lines: LineAssembler;
  private readonly data: DataScanner;
  private readonly autoStartData: boolean;
  private state: CommandParserMode = 'command';
  private position = 0;
  private bdatLeft = 0;
  private bdatCommand: Command | undefined;
  private dataBefore = [13, 10];
  private readonly held: HeldBytes;

  constructor(options: CommandParserOptions = {}) {
    this.lines = new LineAssembler(options.maxLineLength ?? 65536);
    this.held = new HeldBytes(this.lines.limit);
    this.data = new DataScanner(options.unstuff ?? false);
    this.autoStartData = options.autoStartData ?? false;
  }

  /** The current mode, see {@link CommandParserMode}. */
  get mode(): CommandParserMode {
    return this.state;
  }

  /** Stream offset of the next byte to be pushed (bytes pushed so far). */
  get offset(): number {
    return this.position;
  }

  /**
   * Bytes the parser keeps right now (a partial line, bytes held after DATA,
   * a few bytes of a possible terminator). Never more than `maxLineLength + 4`.
   */
  get bufferedBytes(): number {
    return this.lines.buffered + this.held.buffered + this.data.buffered;
  }

  /** Parses the next chunk of client bytes; returns what it completed, in order. */
  push(chunk: Buffer): ClientEvent[] {
    const events: ClientEvent[] = [];
    const base = this.position;
    this.position += chunk.length;
    this.feed(chunk, base, events);
    return events;
  }

  /** The 354 reply to DATA arrived: parse what follows as message content. */
  startData(): ClientEvent[] {
    if (this.state !== 'data-pending') {
      throw new SmtpParserError(
        'WARP_ERR_SMTP_PARSER_STATE',
        `startData() called in mode '${this.state}': call it only after a DATA command, when its 354 reply arrives`,
      );
    }
    this.enterData();
    return this.replayWaiting();
  }

  /**
   * The DATA or STARTTLS command got a reply other than 354 / 220: go back to
   * reading commands (bytes held after DATA are parsed as commands).
   */
  resume(): ClientEvent[] {
    if (this.state !== 'data-pending' && this.state !== 'starttls-pending') {
      throw new SmtpParserError(
        'WARP_ERR_SMTP_PARSER_STATE',
        `resume() called in mode '${this.state}': call it only when DATA or STARTTLS got a negative reply`,
      );
    }
    this.state = 'command';
    return this.replayWaiting();
  }

  /** Forgets all state (after a TLS handshake, the session starts over). Offsets keep counting. */
  reset(): void {
    this.state = 'command';
    this.data.begin(13, 10);
    this.lines.clear();
    this.held.take();
    this.bdatLeft = 0;
    this.bdatCommand = undefined;
  }

  private replayWaiting(): ClientEvent[] {
    const events: ClientEvent[] = [];
    for (const piece of this.held.take()) this.feed(piece.chunk, piece.offset, events);
    return events;
  }

  private enterData(): void {
    this.state = 'data';
    this.data.begin(this.dataBefore[0]!, this.dataBefore[1]!);
  }

  private feed(chunk: Buffer, base: number, events: ClientEvent[]): void {
    let i = 0;
    while (i < chunk.length) {
      switch (this.state) {
        case 'command':
          i = this.readLine(chunk, i, base, events);
          break;
        case 'data': {
          const end = this.data.scan(chunk, i, base, events);
          if (end < 0) return;
          this.state = 'command';
          i = end;
          break;
        }
        case 'bdat':
          i = this.readBdat(chunk, i, base, events);
          break;
        case 'data-pending':
          this.held.add(chunk, i, base, events);
          return;
        case 'starttls-pending':
          events.push(discarded('after-starttls', base + i, chunk.length - i));
          return;
      }
    }
  }

  private readLine(chunk: Buffer, i: number, base: number, events: ClientEvent[]): number {
    const end = this.lines.next(chunk, i, base);
    const status = this.lines.status;
    if (status === TOO_LONG) {
      events.push({
        type: 'line-too-long',
        offset: this.lines.lineOffset,
        limit: this.lines.limit,
      });
    } else if (status === LINE) {
      const { lineBuffer, lineStart, lineEnd, lineOffset } = this.lines;
      const command = parseCommandLine(lineBuffer, lineStart, lineEnd, lineOffset);
      events.push({ type: 'command', command });
      this.afterCommand(command, events);
    }
    return end;
  }

  private afterCommand(command: Command, events: ClientEvent[]): void {
    const { verb } = command;
    const bare = (command as Command & { bare?: boolean }).bare;
    if (verb === 'DATA' && bare) {
      const { raw } = command;
      this.dataBefore = [raw.length > 1 ? raw[raw.length - 2]! : -1, raw[raw.length - 1]!];
      if (this.autoStartData) this.enterData();
      else this.state = 'data-pending';
    } else if (verb === 'STARTTLS' && bare) {
      this.state = 'starttls-pending';
    } else if (command.bdat) {
      this.bdatCommand = command;
      this.bdatLeft = command.bdat.size;
      this.state = 'bdat';
      if (this.bdatLeft === 0) this.endBdat(command.offset + command.length, events);
    }
  }

  private readBdat(chunk: Buffer, i: number, base: number, events: ClientEvent[]): number {
    const take = Math.min(this.bdatLeft, chunk.length - i);
    events.push({
      type: 'bdat-data',
      offset: base + i,
      length: take,
      content: chunk.subarray(i, i + take),
    });
    this.bdatLeft -= take;
    if (this.bdatLeft === 0) this.endBdat(base + i + take, events);
    return i + take;
  }

  private endBdat(offset: number, events: ClientEvent[]): void {
    const bdat = this.bdatCommand!.bdat!;
    events.push({ type: 'bdat-end', offset, size: bdat.size, last: bdat.last });
    this.bdatCommand = undefined;
    this.state = 'command';
  }
}
