import type { BytesDiscardedEvent, ClientEvent } from '../client-event';

/** A piece of the stream kept for later, with its stream offset. */
export interface HeldPiece {
  chunk: Buffer;
  offset: number;
}

/**
 * What a client sends after DATA before the server's 354: kept (copied, up to
 * `limit` bytes) so it can be parsed once the caller says how DATA was
 * answered; anything past the limit is dropped and reported.
 */
export class HeldBytes {
  private pieces: HeldPiece[] = [];
  private size = 0;

  constructor(private readonly limit: number) {}

  /** Bytes kept right now. */
  get buffered(): number {
    return this.size;
  }

  /** Keeps `chunk[i..]` (stream offset `base + i`) up to the limit. */
  add(chunk: Buffer, i: number, base: number, events: ClientEvent[]): void {
    const keep = Math.max(0, Math.min(this.limit - this.size, chunk.length - i));
    if (keep > 0) {
      this.pieces.push({ chunk: Buffer.from(chunk.subarray(i, i + keep)), offset: base + i });
      this.size += keep;
    }
    if (i + keep < chunk.length) {
      events.push(discarded('before-354', base + i + keep, chunk.length - i - keep));
    }
  }

  /** Hands over everything kept and forgets it. */
  take(): HeldPiece[] {
    const pieces = this.pieces;
    this.pieces = [];
    this.size = 0;
    return pieces;
  }
}

/** A `bytes-discarded` event. */
export function discarded(
  reason: BytesDiscardedEvent['reason'],
  offset: number,
  length: number,
): BytesDiscardedEvent {
  return { type: 'bytes-discarded', reason, offset, length };
}
