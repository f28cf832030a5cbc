import type { Instant } from '@warp/hooks';

let lastMs = -1;
let lastIso = '';

/**
 * The current time on both clocks (wall for people, monotonic for
 * durations). The ISO string is cached per millisecond: a session emits
 * several events within one and `toISOString` is the costly part.
 */
export function instant(): Instant {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastIso = new Date(now).toISOString();
  }
  return { at: lastIso, monotonicMs: performance.now() };
}
