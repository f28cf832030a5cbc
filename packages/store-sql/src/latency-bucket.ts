const RATIO = Math.log(1.02);

/**
 * The log-scale bucket of a latency: bucket `b` holds latencies around
 * `(1.02^b - 1) / 100` ms, so a percentile read from bucket counts is within
 * about 1% of the exact value, and counting buckets is an index-only scan.
 *
 * @example
 * ```ts
 * latencyBucket(12.5); // 354
 * bucketLatency(354); // ~12.5
 * ```
 */
export function latencyBucket(latencyMs: number): number {
  return latencyMs > 0 ? Math.floor(Math.log(latencyMs * 100 + 1) / RATIO) : 0;
}

/** The latency (ms) a bucket stands for: the geometric middle of its range. */
export function bucketLatency(bucket: number): number {
  return bucket <= 0 ? 0 : (Math.exp((bucket + 0.5) * RATIO) - 1) / 100;
}
