import type { AmbiguousEnding, ClientEvent } from '../client-event';

const CR = 13;
const LF = 10;
const DOT = 46;
const LF_DOT = Buffer.from('\n.');
const CR_DOT = Buffer.from('\r.');
/** Classification of a candidate: need more bytes. */
const HOLD = -1;
/** Not interesting (a dot after a bare line break, followed by text). */
const NOTHING = 0;
const STUFFED = 1;
const TERMINATOR = 2;
const AMBIGUOUS = 3;
/** Bytes of the next chunk joined to held bytes: enough to classify any sequence they start. */
const BRIDGE = 8;

/**
 * Scans DATA content for the `CRLF . CRLF` terminator, dot-stuffed lines and
 * ambiguous endings. Every interesting sequence holds a dot right after a CR
 * or LF, so the scan jumps between `\n.` and `\r.` with `Buffer.indexOf` and
 * never walks bytes in JavaScript. At a chunk end it holds back at most four
 * bytes that could start such a sequence.
 */
export class DataScanner {
  private prev1 = LF;
  private prev2 = CR;
  private held: Buffer | undefined;
  private heldOffset = 0;
  private kind: AmbiguousEnding = 'lf-dot-lf';
  private kindLength = 0;

  constructor(private readonly unstuff: boolean) {}

  /** Bytes held back at the end of the last chunk (at most 4). */
  get buffered(): number {
    return this.held?.length ?? 0;
  }

  /** Starts a message whose DATA line ended with the bytes `before2`, `before1`. */
  begin(before2: number, before1: number): void {
    this.prev1 = before1;
    this.prev2 = before2;
    this.held = undefined;
  }

  /**
   * Scans `chunk` from `start` (stream offset `chunkBase + start`). Returns the
   * chunk index just after the terminator, or -1 when the whole chunk is content.
   */
  scan(chunk: Buffer, start: number, chunkBase: number, events: ClientEvent[]): number {
    const held = this.held;
    if (!held) return this.scanBuffer(chunk, start, chunkBase, events, 0);
    // Bytes held from the last chunk are joined with only the next few bytes
    // (a "bridge"), never with the whole chunk, so line-aligned reads do not
    // copy every chunk.
    this.held = undefined;
    const rest = chunk.length - start;
    const take = Math.min(rest, BRIDGE);
    const bridge = Buffer.concat([held, chunk.subarray(start, start + take)]);
    const end = this.scanBuffer(bridge, 0, this.heldOffset, events, start - held.length);
    if (end >= 0 || take === rest) return end;
    // What the bridge held back is in `chunk`: scan it from there.
    let resume = start + take;
    if (this.held) {
      resume = this.heldOffset - chunkBase;
      this.held = undefined;
    }
    return this.scanBuffer(chunk, resume, chunkBase, events, 0);
  }

  /** Scans `buf` from `s` (stream offset `base + s`); `shift` maps `buf` indexes to the caller's chunk. */
  private scanBuffer(
    buf: Buffer,
    s: number,
    base: number,
    events: ClientEvent[],
    shift: number,
  ): number {
    const end = buf.length;
    let emitStart = s;
    let nextLf = buf.indexOf(LF_DOT, s);
    let nextCr = buf.indexOf(CR_DOT, s);
    // A dot at the very start of the scanned bytes, right after a line break.
    let c = buf[s] === DOT && (this.prev1 === LF || this.prev1 === CR) ? s - 1 : -2;
    let holdStart = end;
    for (;;) {
      if (c === -2) {
        if (nextLf === -1 && nextCr === -1) break;
        c = nextCr === -1 || (nextLf !== -1 && nextLf < nextCr) ? nextLf : nextCr;
      }
      const found = this.classify(buf, s, c, end);
      if (found === HOLD) {
        holdStart = Math.max(c, s);
        break;
      }
      if (found === TERMINATOR) {
        if (c + 1 > emitStart) this.emit(events, buf, base, emitStart, c + 1, c + 1);
        events.push({ type: 'data-end', offset: base + c + 1, length: 3 });
        return c + 4 + shift;
      }
      if (found === AMBIGUOUS) {
        const at = c;
        // Flush content first so events stay in stream order.
        if (at > emitStart) {
          this.emit(events, buf, base, emitStart, at, at);
          emitStart = at;
        }
        events.push({
          type: 'ambiguous-ending',
          kind: this.kind,
          offset: base + at,
          length: this.kindLength,
        });
      } else if (found === STUFFED && this.unstuff) {
        this.emit(events, buf, base, emitStart, c + 1, c + 2);
        emitStart = c + 2;
      }
      if (nextLf !== -1 && nextLf <= c) nextLf = buf.indexOf(LF_DOT, c + 2);
      if (nextCr !== -1 && nextCr <= c) nextCr = buf.indexOf(CR_DOT, c + 2);
      c = -2;
    }
    // A line break in the last byte may be followed by a dot in the next chunk.
    if (holdStart === end && end > s && (buf[end - 1] === LF || buf[end - 1] === CR))
      holdStart = end - 1;
    if (holdStart > emitStart) this.emit(events, buf, base, emitStart, holdStart, holdStart);
    if (holdStart < end) {
      this.held = Buffer.from(buf.subarray(holdStart));
      this.heldOffset = base + holdStart;
    }
    this.prev1 = this.byteAt(buf, s, holdStart - 1);
    this.prev2 = this.byteAt(buf, s, holdStart - 2);
    return -1;
  }

  private emit(
    events: ClientEvent[],
    buf: Buffer,
    base: number,
    from: number,
    to: number,
    wireEnd: number,
  ): void {
    events.push({
      type: 'data',
      offset: base + from,
      length: wireEnd - from,
      content: buf.subarray(from, to),
    });
  }

  private byteAt(buf: Buffer, s: number, k: number): number {
    if (k >= s) return buf[k]!;
    return k === s - 1 ? this.prev1 : this.prev2;
  }

  /** Classifies the line break at `c` followed by a dot at `c + 1`. */
  private classify(buf: Buffer, s: number, c: number, end: number): number {
    const b0 = this.byteAt(buf, s, c);
    if (c + 2 >= end) return HOLD;
    const b2 = buf[c + 2];
    const needB3 = b2 === CR;
    if (needB3 && c + 3 >= end) return HOLD;
    const b3 = needB3 ? buf[c + 3] : -1;
    if (b0 === LF && this.byteAt(buf, s, c - 1) === CR) {
      if (b2 === CR && b3 === LF) return TERMINATOR;
      if (b2 === LF) return this.ambiguous('crlf-dot-lf', 3);
      if (b2 === CR) return this.ambiguous('crlf-dot-cr', 3);
      return STUFFED;
    }
    const lf = b0 === LF;
    if (b2 === LF) return this.ambiguous(lf ? 'lf-dot-lf' : 'cr-dot-lf', 3);
    if (b2 === CR && b3 === LF) return this.ambiguous(lf ? 'lf-dot-crlf' : 'cr-dot-crlf', 4);
    if (b2 === CR) return this.ambiguous(lf ? 'lf-dot-cr' : 'cr-dot-cr', 3);
    return NOTHING;
  }

  private ambiguous(kind: AmbiguousEnding, length: number): number {
    this.kind = kind;
    this.kindLength = length;
    return AMBIGUOUS;
  }
}
