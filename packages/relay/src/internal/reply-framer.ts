const LF = 0x0a;

/** One complete SMTP reply as it came off the wire. */
export interface FramedReply {
  /** The three-digit reply code of the last line. */
  code: number;
  /** Every line's bytes including its line ending, exactly as received. */
  raw: Buffer;
  /** Lines without the line ending, decoded as latin1 (byte-preserving). */
  lines: string[];
}

/**
 * Assembles SMTP replies (RFC 5321 4.2.1) from arbitrary reads: a reply is
 * complete only at its last line (`250 ` or a bare code), however the reads
 * split it. Bounded: a reply longer than `maxBytes` is an error.
 */
export class ReplyFramer {
  #pending: Buffer | undefined;
  #lines: string[] = [];
  #rawParts: Buffer[] = [];
  #size = 0;
  readonly #maxBytes: number;

  constructor(maxBytes = 64 * 1024) {
    this.#maxBytes = maxBytes;
  }

  /** Drops everything buffered (after STARTTLS: injected plaintext). */
  clear(): void {
    this.#pending = undefined;
    this.#lines = [];
    this.#rawParts = [];
    this.#size = 0;
  }

  /** Feeds bytes; returns the replies they complete (possibly none). */
  push(chunk: Buffer): FramedReply[] {
    const data = this.#pending ? Buffer.concat([this.#pending, chunk]) : chunk;
    this.#pending = undefined;
    const replies: FramedReply[] = [];
    let start = 0;
    for (;;) {
      const lf = data.indexOf(LF, start);
      if (lf === -1) break;
      const lineRaw = data.subarray(start, lf + 1);
      start = lf + 1;
      const end =
        lineRaw.length >= 2 && lineRaw[lineRaw.length - 2] === 0x0d
          ? lineRaw.length - 2
          : lineRaw.length - 1;
      const line = lineRaw.toString('latin1', 0, end);
      this.#lines.push(line);
      this.#rawParts.push(lineRaw);
      this.#size += lineRaw.length;
      if (line.charAt(3) !== '-') {
        replies.push({
          code: Number.parseInt(line.slice(0, 3), 10) || 0,
          raw: Buffer.concat(this.#rawParts),
          lines: this.#lines,
        });
        this.#lines = [];
        this.#rawParts = [];
        this.#size = 0;
      }
    }
    if (start < data.length) this.#pending = Buffer.from(data.subarray(start));
    if (this.#size + (this.#pending?.length ?? 0) > this.#maxBytes) {
      throw new RangeError(`reply longer than ${this.#maxBytes} bytes`);
    }
    return replies;
  }
}
