const LF = 10;

/** All bytes consumed, no complete line yet. */
export const NEED_MORE = 0;
/** `line` / `lineOffset` hold a complete line (ending included). */
export const LINE = 1;
/** The line being assembled passed the limit; `lineOffset` is its start. */
export const TOO_LONG = 2;
/** The tail of a too-long line was skipped up to its LF. */
export const SKIPPED = 3;

/**
 * Cuts LF-terminated lines out of chunks with `Buffer.indexOf`, keeping a
 * partial line across chunks without ever holding more than `limit + 2` bytes.
 * `limit` counts the bytes before the line ending.
 */
export class LineAssembler {
  /** What the last {@link LineAssembler.next} call found: NEED_MORE, LINE, TOO_LONG or SKIPPED. */
  status = NEED_MORE;
  /** The buffer holding the complete line, from `lineStart` to `lineEnd` (ending included). */
  lineBuffer: Buffer = Buffer.alloc(0);
  lineStart = 0;
  lineEnd = 0;
  lineOffset = 0;
  private pieces: Buffer[] = [];
  private size = 0;
  private start = 0;
  private skipping = false;

  constructor(readonly limit: number) {}

  /** Bytes of an incomplete line currently kept. */
  get buffered(): number {
    return this.size;
  }

  /** Consumes from `buf[i]` (stream offset `base + i`); returns the index after what was consumed and sets `status`. */
  next(buf: Buffer, i: number, base: number): number {
    const lf = buf.indexOf(LF, i);
    if (this.skipping) {
      if (lf === -1) {
        this.status = NEED_MORE;
        return buf.length;
      }
      this.skipping = false;
      this.status = SKIPPED;
      return lf + 1;
    }
    if (lf === -1) {
      if (this.size === 0) this.start = base + i;
      this.size += buf.length - i;
      if (this.size > this.limit + 1) return this.overflow(buf.length);
      // A copy, so a held partial line never pins a whole large chunk in memory.
      this.pieces.push(Buffer.from(buf.subarray(i)));
      this.status = NEED_MORE;
      return buf.length;
    }
    const end = lf + 1;
    if (this.size === 0) {
      this.lineBuffer = buf;
      this.lineStart = i;
      this.lineEnd = end;
      this.lineOffset = base + i;
    } else {
      this.pieces.push(buf.subarray(i, end));
      this.lineBuffer = Buffer.concat(this.pieces, this.size + end - i);
      this.lineStart = 0;
      this.lineEnd = this.lineBuffer.length;
      this.lineOffset = this.start;
      this.pieces = [];
      this.size = 0;
    }
    const length = this.lineEnd - this.lineStart;
    const content = length - (length > 1 && this.lineBuffer[this.lineEnd - 2] === 13 ? 2 : 1);
    if (content > this.limit) {
      this.skipping = false;
      this.status = TOO_LONG;
      return end;
    }
    this.status = LINE;
    return end;
  }

  /** The complete line as a view (ending included). */
  get line(): Buffer {
    return this.lineBuffer.subarray(this.lineStart, this.lineEnd);
  }

  /** Drops any partial line. */
  clear(): void {
    this.pieces = [];
    this.size = 0;
    this.skipping = false;
  }

  private overflow(end: number): number {
    this.lineOffset = this.start;
    this.pieces = [];
    this.size = 0;
    this.skipping = true;
    this.status = TOO_LONG;
    return end;
  }
}
