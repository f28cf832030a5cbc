import { constants, type PerformanceEntry, PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Options of {@link tuneHeap}. */
export interface HeapTuning {
  /** Largest semi-space of the young generation, in MiB (V8's default on 64-bit: 16). */
  maxSemiSpaceMiB: number;
  /** Old generation grows by this percentage of what survived the last full GC (V8: up to 300). */
  heapGrowingPercent: number;
  /** A minor GC runs when external memory (socket read buffers) passes this many MiB; 0: never. */
  maxArrayBuffersMiB: number;
  /** The node flags in effect (`process.execArgv` plus `NODE_OPTIONS`): an operator's own wins. */
  nodeFlags: readonly string[];
}

/** What {@link tuneHeap} set: an operator's flag leaves its part alone. */
export interface HeapTuned {
  youngGeneration: boolean;
  oldGeneration: boolean;
}

/** warpd's defaults: peak RSS <= 80 MiB under the lab benchmark (docs/relay.md, Measured). */
export const WARPD_HEAP_TUNING: Omit<HeapTuning, 'nodeFlags'> = {
  maxSemiSpaceMiB: 4,
  heapGrowingPercent: 20,
  maxArrayBuffersMiB: 8,
};

/**
 * Keeps V8's heap near what a relay holds live (a few MiB per thousand
 * sessions) instead of V8's defaults for throughput: a 32 MiB young
 * generation and an old generation allowed to grow to 4x its live size
 * before a full GC. Call once, first thing in the process.
 *
 * `--max-semi-space-size` is read only when the isolate is created, so a
 * running process cannot set it; the growth factor of the semi-spaces is
 * read at each growth, so a GC observer stops growth at the cap (factor 1)
 * and allows it below (factor 2, V8's default). The old generation's growing
 * factor is read at each full GC. The alternatives were a re-exec (two
 * processes) or flags in a wrapper script (lost with `node dist/cli.js`).
 */
export function tuneHeap(tuning: HeapTuning): HeapTuned {
  const has = (flag: string) =>
    tuning.nodeFlags.some((arg) => arg.replace(/_/g, '-').startsWith(flag));
  const tuned: HeapTuned = {
    youngGeneration: !has('--max-semi-space-size') && !has('--semi-space-growth-factor'),
    oldGeneration: !has('--heap-growing-percent'),
  };
  if (tuned.oldGeneration)
    setFlagsFromString(`--heap-growing-percent=${tuning.heapGrowingPercent}`);
  if (tuned.youngGeneration) capYoungGeneration(tuning.maxSemiSpaceMiB * 2 * 1024 * 1024);
  if (tuning.maxArrayBuffersMiB > 0) capArrayBuffers(tuning.maxArrayBuffersMiB * 1024 * 1024);
  return tuned;
}

/**
 * A large message arrives as one fresh 64 KiB buffer per socket read; they
 * die young, but while the relay allocates few JS objects per read nothing
 * triggers a scavenge, and V8 lets such external memory pile up (20-30 MiB
 * for a 50 MB message). A check every 50 ms runs a minor GC (cheap with
 * the young generation above) once external memory (buffers) passes the limit.
 */
function capArrayBuffers(maxBytes: number): void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (options?: { type: 'minor' | 'major' }) => void;
  setInterval(() => {
    // V8's own count: process.memoryUsage() would read /proc 20 times a second.
    if (getHeapStatistics().external_memory > maxBytes) gc({ type: 'minor' });
  }, 50).unref();
}

// Node 20 sets `detail.kind` on GC entries; its types do not declare it yet.
const isScavenge = (entry: PerformanceEntry) =>
  (entry as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR;

function capYoungGeneration(maxBytes: number): void {
  let growing = true;
  const observer = new PerformanceObserver((list) => {
    if (!list.getEntries().some(isScavenge)) return;
    const newSpace = getHeapSpaceStatistics().find((space) => space.space_name === 'new_space');
    const atCap = (newSpace?.space_size ?? 0) >= maxBytes;
    // V8 shrinks the young generation when allocation slows down; below the cap it may grow again.
    if (atCap === growing) {
      growing = !atCap;
      setFlagsFromString(`--semi-space-growth-factor=${atCap ? 1 : 2}`);
    }
  });
  observer.observe({ entryTypes: ['gc'] });
}
