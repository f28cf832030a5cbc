import { randomFillSync } from 'node:crypto';

// Random bytes are drawn in blocks: one system call per 400 ids.
const ID_BYTES = 10;
const pool = Buffer.alloc(ID_BYTES * 400);
let poolOffset = pool.length;
const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) =>
  i.toString(16).padStart(2, '0'),
);
const hex = (byte: number): string => HEX[byte & 0xff] as string;

let lastMs = -1;
let sequence = 0;

/**
 * A UUID version 7 (RFC 9562): 48 bits of Unix milliseconds, a 12-bit
 * sequence that counts up within a millisecond from a random start (its
 * method 1, so one process's ids sort in creation order), 62 random bits.
 *
 * Session ids key the stores' tables and indexes. Random (version 4) ids
 * sent each insert to a random B-tree page, and with SQLite most of the
 * store's cost in warpd was committing those scattered pages. Ids in time
 * order append instead, on SQLite and InnoDB alike.
 */
export function sessionId(nowMs: number = Date.now()): string {
  if (poolOffset + ID_BYTES > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const at = poolOffset;
  poolOffset += ID_BYTES;
  const random = (i: number): number => pool[at + i] as number;
  if (nowMs > lastMs) {
    lastMs = nowMs;
    // The lower half of the range, leaving room to count up.
    sequence = ((random(0) << 4) | (random(1) >> 4)) & 0x7ff;
  } else if (++sequence > 0xfff) {
    // 4096 ids within one millisecond: take the next one, order is kept.
    lastMs++;
    sequence = 0;
  }
  const high = Math.floor(lastMs / 0x10000); // the upper 32 of the 48 bits
  const low = lastMs % 0x10000;
  return `${hex(high >>> 24)}${hex(high >>> 16)}${hex(high >>> 8)}${hex(high)}-${hex(low >>> 8)}${hex(low)}-${hex(0x70 | (sequence >>> 8))}${hex(sequence)}-${hex(0x80 | (random(2) & 0x3f))}${hex(random(3))}-${hex(random(4))}${hex(random(5))}${hex(random(6))}${hex(random(7))}${hex(random(8))}${hex(random(9))}`;
}
