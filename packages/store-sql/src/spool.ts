import {
  closeSync,
  existsSync,
  fstatSync,
  openSync,
  readFileSync,
  readSync,
  statSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import type { WarpEvent } from '@warp/hooks';

/** A batch as it waits in the spool: its id (for exactly-once replay) and its events. */
export interface SpooledBatch {
  readonly id: string;
  readonly events: readonly WarpEvent[];
}

/**
 * A bounded local file of batches that could not be written (database down
 * or too slow), one JSON line each, replayed in order when the database is
 * back. Appends are synchronous: an append that returned is on disk for the
 * next start (page cache; not fsynced), so a crash of the process loses
 * nothing that reached the spool.
 */
export class Spool {
  readonly path: string;
  readonly maxBytes: number;
  #size: number;
  /** Bytes at the start of the file already replayed. */
  #replayed = 0;

  constructor(path: string, maxBytes: number) {
    this.path = path;
    this.maxBytes = maxBytes;
    this.#size = existsSync(path) ? statSync(path).size : 0;
  }

  /** Bytes waiting to be replayed. */
  get pendingBytes(): number {
    return this.#size - this.#replayed;
  }

  /** Whether batches are waiting. */
  get isEmpty(): boolean {
    return this.pendingBytes === 0;
  }

  /** Append a batch. Returns `false` (and writes nothing) when it would pass `maxBytes`. */
  append(batch: SpooledBatch): boolean {
    const line = Buffer.from(`${JSON.stringify(batch)}\n`);
    if (this.pendingBytes + line.length > this.maxBytes) return false;
    const fd = openSync(this.path, 'a');
    try {
      writeSync(fd, line);
      this.#size = fstatSync(fd).size;
    } finally {
      closeSync(fd);
    }
    return true;
  }

  /**
   * Put a batch before every waiting one (a batch whose write failed at
   * shutdown is older than anything spooled). Rewrites the file; not bounded
   * by `maxBytes`, since dropping the oldest batch would break order.
   */
  prepend(batch: SpooledBatch): void {
    const rest = this.isEmpty ? Buffer.alloc(0) : readFileSync(this.path).subarray(this.#replayed);
    writeFileSync(this.path, Buffer.concat([Buffer.from(`${JSON.stringify(batch)}\n`), rest]));
    this.#size = statSync(this.path).size;
    this.#replayed = 0;
  }

  /** The oldest batch not yet replayed, with the byte count it occupies, or `undefined`. */
  peek(): { batch: SpooledBatch; bytes: number } | undefined {
    if (this.isEmpty) return undefined;
    const fd = openSync(this.path, 'r');
    try {
      let chunk = Buffer.alloc(64 * 1024);
      let length = 0;
      for (;;) {
        if (length === chunk.length) chunk = Buffer.concat([chunk, Buffer.alloc(chunk.length)]);
        const start = length;
        const read = readSync(fd, chunk, length, chunk.length - length, this.#replayed + length);
        length += read;
        const newline = chunk.subarray(0, length).indexOf(10, start);
        if (newline >= 0) {
          return {
            batch: JSON.parse(chunk.subarray(0, newline).toString('utf8')),
            bytes: newline + 1,
          };
        }
        if (read === 0) {
          // A torn last line (crash during an append): drop it, it was never acknowledged.
          this.#skipTo(this.#size);
          return undefined;
        }
      }
    } finally {
      closeSync(fd);
    }
  }

  /** Mark the oldest batch replayed; empties the file once everything is. */
  advance(bytes: number): void {
    this.#skipTo(this.#replayed + bytes);
  }

  #skipTo(offset: number): void {
    this.#replayed = offset;
    if (this.#replayed >= this.#size) {
      truncateSync(this.path, 0);
      this.#size = 0;
      this.#replayed = 0;
    }
  }
}
