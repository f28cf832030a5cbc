import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const TSX = createRequire(import.meta.url).resolve('tsx/esm');
const TUNE_HEAP = fileURLToPath(new URL('./tune-heap.ts', import.meta.url));

// In a child process: the flags are process-wide. Allocates like a busy relay
// (short-lived objects, some surviving a scavenge) and reports the largest
// young generation V8 used.
const PROBE = `
import { getHeapSpaceStatistics } from 'node:v8';
const { tuneHeap, WARPD_HEAP_TUNING } = await import(${JSON.stringify(TUNE_HEAP)});
const tuned = process.env.TUNE === '1'
  ? tuneHeap({ ...WARPD_HEAP_TUNING, nodeFlags: process.execArgv })
  : null;
let live = [];
let largest = 0;
for (let round = 0; round < 150; round++) {
  for (let i = 0; i < 20000; i++) live.push({ i, text: 'x' + i, list: [i] });
  if (live.length > 60000) live = [];
  await new Promise((resolve) => setImmediate(resolve)); // GC observers run between rounds
  const newSpace = getHeapSpaceStatistics().find((space) => space.space_name === 'new_space');
  largest = Math.max(largest, newSpace.space_size);
}
console.log(JSON.stringify({ tuned, largestMiB: largest / 1048576 }));
`;

// Socket reads of a large message: one fresh 64 KiB buffer per read, ~60 MB/s,
// and almost no other allocation. Reports the peak of buffer memory.
const READS = `
const { tuneHeap, WARPD_HEAP_TUNING } = await import(${JSON.stringify(TUNE_HEAP)});
if (process.env.TUNE === '1') tuneHeap({ ...WARPD_HEAP_TUNING, nodeFlags: process.execArgv });
let peak = 0;
for (let read = 0; read < 2000; read++) {
  Buffer.allocUnsafeSlow(65536).fill(read & 255);
  peak = Math.max(peak, process.memoryUsage().arrayBuffers);
  await new Promise((resolve) => setTimeout(resolve, 1));
}
console.log(JSON.stringify({ peakMiB: peak / 1048576 }));
`;

function reads(tune: boolean) {
  return new Promise<{ peakMiB: number }>((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', TSX, '--input-type=module', '-e', READS],
      { env: { ...process.env, TUNE: tune ? '1' : '0' }, timeout: 60_000 },
      (error, stdout) => (error ? reject(error) : resolve(JSON.parse(stdout))),
    );
  });
}

function probe(tune: boolean, nodeFlags: string[] = []) {
  return new Promise<{ tuned: unknown; largestMiB: number }>((resolve, reject) => {
    execFile(
      process.execPath,
      [...nodeFlags, '--import', TSX, '--input-type=module', '-e', PROBE],
      { env: { ...process.env, TUNE: tune ? '1' : '0' }, timeout: 60_000 },
      (error, stdout) => (error ? reject(error) : resolve(JSON.parse(stdout))),
    );
  });
}

describe('tuneHeap', () => {
  it('keeps the young generation at its cap where V8 alone grows it to 32 MiB', async () => {
    const [alone, tuned] = await Promise.all([probe(false), probe(true)]);
    expect(alone.largestMiB).toBe(32);
    expect(tuned.tuned).toEqual({ youngGeneration: true, oldGeneration: true });
    // 2 x 4 MiB semi-spaces; one growth step past it if a scavenge outran the observer.
    expect(tuned.largestMiB).toBeLessThanOrEqual(16);
  });

  it('keeps short-lived read buffers near the cap where V8 alone lets them pile up', async () => {
    const [alone, tuned] = await Promise.all([reads(false), reads(true)]);
    expect(alone.peakMiB).toBeGreaterThan(24);
    // 8 MiB, plus what arrives between two 50 ms checks.
    expect(tuned.peakMiB).toBeLessThanOrEqual(16);
  });

  it("leaves the young generation to an operator's --max-semi-space-size", async () => {
    const result = await probe(true, ['--max-semi-space-size=1']);
    expect(result.tuned).toEqual({ youngGeneration: false, oldGeneration: true });
    expect(result.largestMiB).toBeLessThanOrEqual(2);
  });
});
