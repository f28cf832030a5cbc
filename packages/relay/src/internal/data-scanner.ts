const LF = 0x0a;
const CR = 0x0d;
const DOT = 0x2e;

/** What {@link DataScanner.scan} found in one chunk of DATA body. */
export type DataScanResult =
  /** No end of data in this chunk: every byte belongs to the body. */
  | { kind: 'body' }
  /** The body ends (CRLF.CRLF) with the byte before `end` (exclusive index). */
  | { kind: 'end'; end: number }
  /** A bare-LF dot line: the MX and warp might disagree where data ends. */
  | { kind: 'ambiguous'; at: number };

enum State {
  Mid = 0,
  LineStart = 1,
  Dot = 2,
  DotCr = 3,
}

/**
 * Finds the end of a DATA body (RFC 5321 4.1.1.4: CRLF.CRLF) across chunk
 * boundaries, and flags any dot line that touches a bare LF (`LF.LF`,
 * `CRLF.LF`, `LF.CRLF`): servers differ on those, which is what SMTP
 * smuggling exploits, so the relay refuses them rather than guess.
 */
export class DataScanner {
  #state: State = State.LineStart;
  #lineStartAfterCrlf = true;
  #previous = LF;

  /** Starts a new body: data begins at a line start right after `DATA<CRLF>`. */
  reset(): void {
    this.#state = State.LineStart;
    this.#lineStartAfterCrlf = true;
    this.#previous = LF;
  }

  // Scanning can go on after the ambiguous LF (the relay then looks for the
  // real CRLF.CRLF to answer the MTA at the point where it expects a reply).
  #ambiguous(at: number): DataScanResult {
    this.#state = State.LineStart;
    this.#lineStartAfterCrlf = false;
    this.#previous = LF;
    return { kind: 'ambiguous', at };
  }

  /** Scans one chunk; state carries over to the next call unless it ended. */
  scan(chunk: Uint8Array): DataScanResult {
    let i = 0;
    const length = chunk.length;
    while (i < length) {
      const byte = chunk[i] as number;
      switch (this.#state) {
        case State.Mid: {
          const lf = chunk.indexOf(LF, i);
          if (lf === -1) {
            this.#previous = chunk[length - 1] as number;
            return { kind: 'body' };
          }
          const before = lf > 0 ? (chunk[lf - 1] as number) : this.#previous;
          this.#lineStartAfterCrlf = before === CR;
          this.#state = State.LineStart;
          i = lf + 1;
          this.#previous = LF;
          continue;
        }
        case State.LineStart:
          this.#state = byte === DOT ? State.Dot : byte === LF ? State.LineStart : State.Mid;
          if (byte === LF) this.#lineStartAfterCrlf = false;
          break;
        case State.Dot:
          if (byte === LF) return this.#ambiguous(i);
          this.#state = byte === CR ? State.DotCr : State.Mid;
          break;
        case State.DotCr:
          if (byte === LF) {
            if (!this.#lineStartAfterCrlf) return this.#ambiguous(i);
            this.reset();
            return { kind: 'end', end: i + 1 };
          }
          this.#state = State.Mid;
          break;
      }
      this.#previous = byte;
      i++;
    }
    return { kind: 'body' };
  }
}
