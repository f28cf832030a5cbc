import type { Instant } from '@warp/hooks';

/** The current time on both clocks (wall for people, monotonic for durations). */
export function instant(): Instant {
  return { at: new Date().toISOString(), monotonicMs: performance.now() };
}
