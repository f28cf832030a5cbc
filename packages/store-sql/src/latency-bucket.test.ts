import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bucketLatency, latencyBucket } from './latency-bucket';

describe('latencyBucket', () => {
  it('stands for every latency from 0.05 ms to 10 minutes within 1.5%', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.05, max: 600_000, noNaN: true }), (latency) => {
        const back = bucketLatency(latencyBucket(latency));
        expect(Math.abs(back - latency) / latency).toBeLessThan(0.015);
      }),
      { numRuns: 5000 },
    );
  });

  it('orders buckets like latencies', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        (a, b) => {
          if (a <= b) expect(latencyBucket(a)).toBeLessThanOrEqual(latencyBucket(b));
        },
      ),
    );
  });

  it('puts zero and negative latencies in bucket 0', () => {
    expect([latencyBucket(0), latencyBucket(-1), bucketLatency(0)]).toEqual([0, 0, 0]);
  });
});
