import { DataScanner } from './data-scanner';

const LF = 0x0a;

/** One unit of the MTA's byte stream, in order; `raw` is always relayed as is. */
export type ClientItem =
  /** A complete command line (`raw` includes its line ending). */
  | { kind: 'command'; raw: Buffer; line: string; verb: string }
  /** Part of an over-long line, relayed without waiting for its end. */
  | { kind: 'fragment'; raw: Buffer }
  /** DATA body bytes (still dot-stuffed), not the end yet. */
  | { kind: 'body'; raw: Buffer }
  /** The last body bytes, ending with `CRLF.CRLF`. */
  | { kind: 'data-end'; raw: Buffer }
  /** BDAT payload; `done` when the chunk's announced size is reached. */
  | { kind: 'bdat'; raw: Buffer; done: boolean }
  /** A bare-LF dot line inside DATA: the rest of the body is discarded, not relayed. */
  | { kind: 'ambiguous' }
  /** After an ambiguous line, the real `CRLF.CRLF` arrived: the MTA now awaits a reply. */
  | { kind: 'discarded-end' };

type Mode =
  | { name: 'command' }
  | { name: 'data' }
  | { name: 'bdat'; remaining: number }
  | { name: 'discard' };

/**
 * Frames what the MTA sends into commands, DATA body and BDAT payload
 * without ever looking at read boundaries (a read may hold half a line or a
 * whole pipelined group). The session decides when DATA starts (after the
 * MX's 354) and can hold framing while it waits for a reply.
 */
export class ClientFramer {
  #buffer: Buffer | undefined;
  #mode: Mode = { name: 'command' };
  #held = false;
  #overlong = false;
  readonly #scanner = new DataScanner();
  readonly #maxLine: number;

  constructor(maxLine = 16 * 1024) {
    this.#maxLine = maxLine;
  }

  /** Bytes waiting to be framed. */
  get buffered(): number {
    return this.#buffer?.length ?? 0;
  }

  /** Whether framing waits for {@link release}. */
  get held(): boolean {
    return this.#held;
  }

  /** Whether the stream is inside a message body (DATA or BDAT payload). */
  get inData(): boolean {
    return this.#mode.name !== 'command';
  }

  /** Adds bytes read from the MTA. */
  push(chunk: Buffer): void {
    this.#buffer = this.#buffer?.length ? Buffer.concat([this.#buffer, chunk]) : chunk;
  }

  /** Stops framing until {@link release} (waiting for a reply that decides the mode). */
  hold(): void {
    this.#held = true;
  }

  /** Resumes framing; with `data`, what follows is a DATA body (the MX said 354). */
  release(data = false): void {
    this.#held = false;
    if (data) {
      this.#mode = { name: 'data' };
      this.#scanner.reset();
    }
  }

  /** The next item, or `undefined` when held or more bytes are needed. */
  next(): ClientItem | undefined {
    const buffer = this.#buffer;
    if (this.#held || !buffer || buffer.length === 0) return undefined;
    switch (this.#mode.name) {
      case 'command':
        return this.#command(buffer);
      case 'data':
        return this.#data(buffer);
      case 'bdat':
        return this.#bdat(buffer, this.#mode.remaining);
      case 'discard':
        return this.#discard(buffer);
    }
  }

  #command(buffer: Buffer): ClientItem | undefined {
    const lf = buffer.indexOf(LF);
    if (lf === -1) {
      if (buffer.length <= this.#maxLine) return undefined;
      this.#buffer = undefined;
      this.#overlong = true;
      return { kind: 'fragment', raw: buffer };
    }
    const raw = buffer.subarray(0, lf + 1);
    this.#buffer = lf + 1 < buffer.length ? buffer.subarray(lf + 1) : undefined;
    if (this.#overlong) {
      this.#overlong = false;
      return { kind: 'fragment', raw };
    }
    const end = lf > 0 && buffer[lf - 1] === 0x0d ? lf - 1 : lf;
    const line = buffer.toString('latin1', 0, end);
    const space = line.indexOf(' ');
    const verb = (space === -1 ? line : line.slice(0, space)).toUpperCase();
    if (verb === 'BDAT') {
      const size = Number.parseInt(line.slice(5), 10);
      if (Number.isSafeInteger(size) && size > 0) this.#mode = { name: 'bdat', remaining: size };
    }
    return { kind: 'command', raw, line, verb };
  }

  #data(buffer: Buffer): ClientItem {
    const found = this.#scanner.scan(buffer);
    if (found.kind === 'body') {
      this.#buffer = undefined;
      return { kind: 'body', raw: buffer };
    }
    if (found.kind === 'ambiguous') {
      this.#buffer = found.at + 1 < buffer.length ? buffer.subarray(found.at + 1) : undefined;
      this.#mode = { name: 'discard' };
      return { kind: 'ambiguous' };
    }
    this.#buffer = found.end < buffer.length ? buffer.subarray(found.end) : undefined;
    this.#mode = { name: 'command' };
    return { kind: 'data-end', raw: buffer.subarray(0, found.end) };
  }

  #discard(buffer: Buffer): ClientItem | undefined {
    let rest: Buffer | undefined = buffer;
    while (rest && rest.length > 0) {
      const found = this.#scanner.scan(rest);
      if (found.kind === 'body') break;
      if (found.kind === 'end') {
        this.#buffer = found.end < rest.length ? rest.subarray(found.end) : undefined;
        this.#mode = { name: 'command' };
        return { kind: 'discarded-end' };
      }
      rest = rest.subarray(found.at + 1);
    }
    this.#buffer = undefined;
    return undefined;
  }

  #bdat(buffer: Buffer, remaining: number): ClientItem {
    const take = Math.min(remaining, buffer.length);
    const raw = buffer.subarray(0, take);
    this.#buffer = take < buffer.length ? buffer.subarray(take) : undefined;
    const left = remaining - take;
    this.#mode = left === 0 ? { name: 'command' } : { name: 'bdat', remaining: left };
    return { kind: 'bdat', raw, done: left === 0 };
  }
}
