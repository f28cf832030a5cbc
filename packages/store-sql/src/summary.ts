import type { Kysely } from 'kysely';
import { bucketCountsOf, outcomeCountsOf, splitWindow } from './internal/summary-counts';
import { type TimeInput, toMicros } from './internal/time-range';
import { bucketLatency } from './latency-bucket';
import type { StoreDatabase } from './schema';

/** What a summary groups by. */
export type SummaryDimension = 'destination-domain' | 'mx' | 'egress' | 'sender-domain';

/** Options of {@link summarize}. */
export interface SummaryOptions {
  /** Only from this time on (inclusive). */
  since?: TimeInput;
  /** Only before this time (exclusive). */
  until?: TimeInput;
  /** Only this group (a domain, an MX host, an egress address). */
  key?: string;
}

/** Latency of one command verb (`greeting` for the server greeting), in ms. */
export interface CommandLatency {
  count: number;
  /** Median, within about 1% (log-scale buckets). */
  p50: number;
  /** 95th percentile, within about 1%. */
  p95: number;
}

/** One group of a summary: a provider (domain or MX), an egress address or a sender domain. */
export interface SummaryRow {
  /** The domain, MX host or address. */
  key: string;
  /** Transactions by outcome. */
  outcomes: { delivered: number; deferred: number; bounced: number; rejected: number };
  /** All transactions. */
  transactions: number;
  /** Deferred / all transactions (0 when none). */
  deferralRate: number;
  /** Per command verb. */
  latency: Record<string, CommandLatency>;
}

const COLUMN = {
  'destination-domain': 'dest_domain',
  mx: 'mx_host',
  egress: 'egress_address',
  'sender-domain': 'sender_domain',
} as const;

/**
 * Counts by outcome, deferral rate and per-command latency p50/p95, grouped
 * by destination domain, MX, egress address or sender domain, sorted by
 * transactions (most first). Whole minutes of the window are read from the
 * per-minute rollups the writer keeps, the parts of a minute at either end
 * from the rows themselves, so the result is exact for any window. The
 * percentiles come from log-scale latency buckets (see `latencyBucket`).
 *
 * @example
 * ```ts
 * const [gmail] = await summarize(db, 'destination-domain', { key: 'google.com', since: Date.now() - 3_600_000 });
 * gmail?.deferralRate; gmail?.latency.RCPT?.p95;
 * ```
 */
export async function summarize(
  db: Kysely<StoreDatabase>,
  dimension: SummaryDimension,
  options: SummaryOptions = {},
): Promise<SummaryRow[]> {
  const column = COLUMN[dimension];
  const since = options.since === undefined ? undefined : toMicros(options.since);
  const until = options.until === undefined ? undefined : toMicros(options.until);
  const { rollup, edges } = splitWindow(since, until);
  const [outcomeCounts, bucketCounts] = await Promise.all([
    outcomeCountsOf(db, column, options.key, rollup, edges),
    bucketCountsOf(db, column, options.key, rollup, edges),
  ]);

  const rows = new Map<string, SummaryRow>();
  const row = (key: string) => {
    let found = rows.get(key);
    if (!found) {
      found = {
        key,
        outcomes: { delivered: 0, deferred: 0, bounced: 0, rejected: 0 },
        transactions: 0,
        deferralRate: 0,
        latency: {},
      };
      rows.set(key, found);
    }
    return found;
  };
  for (const { key, outcome, n } of outcomeCounts) {
    const target = row(String(key));
    if (outcome in target.outcomes)
      target.outcomes[outcome as keyof SummaryRow['outcomes']] += Number(n);
    target.transactions += Number(n);
  }
  const histograms = new Map<string, Map<string, Array<[bucket: number, count: number]>>>();
  for (const { key, verb, latency_bucket, n } of bucketCounts) {
    const byVerb = histograms.get(String(key)) ?? new Map();
    histograms.set(String(key), byVerb);
    const name = verb === null || verb === '' ? 'greeting' : verb;
    const list = byVerb.get(name) ?? [];
    byVerb.set(name, list);
    list.push([Number(latency_bucket), Number(n)]);
  }
  for (const [key, byVerb] of histograms) {
    const target = row(key);
    for (const [verb, list] of byVerb) target.latency[verb] = percentiles(list);
  }
  for (const target of rows.values()) {
    target.deferralRate =
      target.transactions === 0 ? 0 : target.outcomes.deferred / target.transactions;
  }
  return [...rows.values()].sort(
    (a, b) => b.transactions - a.transactions || a.key.localeCompare(b.key),
  );
}

function percentiles(list: Array<[bucket: number, count: number]>): CommandLatency {
  // The same bucket may come from the rollup and from an edge of the window.
  list.sort((a, b) => a[0] - b[0]);
  const count = list.reduce((sum, [, n]) => sum + n, 0);
  const at = (q: number) => {
    const rank = Math.ceil(q * count);
    let seen = 0;
    for (const [bucket, n] of list) {
      seen += n;
      if (seen >= rank) return bucketLatency(bucket);
    }
    return bucketLatency(list.at(-1)?.[0] ?? 0);
  };
  return { count, p50: at(0.5), p95: at(0.95) };
}

/**
 * The provider summary: {@link summarize} by destination domain (default) or MX host.
 *
 * @example
 * ```ts
 * const providers = await providerSummary(db, { since: Date.now() - 3_600_000 });
 * ```
 */
export function providerSummary(
  db: Kysely<StoreDatabase>,
  options: SummaryOptions & { by?: 'destination-domain' | 'mx' } = {},
): Promise<SummaryRow[]> {
  return summarize(db, options.by ?? 'destination-domain', options);
}
