import type { Kysely, SelectQueryBuilder } from 'kysely';
import type { RollupDimension, StoreDatabase } from '../schema';
import { MINUTE_US } from './rollup-migration';

/** A half-open time range `[from, to)` in µs; an absent end is open. */
export interface Range {
  from?: number;
  to?: number;
}

/**
 * Split a summary window into the whole minutes the rollups answer and the
 * parts of a minute at either end that only the rows can answer.
 */
export function splitWindow(since?: number, until?: number): { rollup?: Range; edges: Range[] } {
  const lo = since === undefined ? undefined : Math.ceil(since / MINUTE_US) * MINUTE_US;
  const hi = until === undefined ? undefined : Math.floor(until / MINUTE_US) * MINUTE_US;
  if (lo !== undefined && hi !== undefined && lo >= hi) {
    // No whole minute inside: the rows answer it all.
    return {
      edges:
        since !== undefined && until !== undefined && since < until
          ? [{ from: since, to: until }]
          : [],
    };
  }
  const edges: Range[] = [];
  if (since !== undefined && lo !== undefined && since < lo) edges.push({ from: since, to: lo });
  if (until !== undefined && hi !== undefined && hi < until) edges.push({ from: hi, to: until });
  return {
    rollup: { ...(lo === undefined ? {} : { from: lo }), ...(hi === undefined ? {} : { to: hi }) },
    edges,
  };
}

/** Counts of latency buckets: one per group, verb (`null` or `''`: greeting) and bucket. */
export interface BucketCount {
  key: unknown;
  verb: string | null;
  latency_bucket: unknown;
  n: unknown;
}

/** Counts of transactions: one per group and outcome. */
export interface OutcomeCount {
  key: unknown;
  outcome: string;
  n: unknown;
}

type RollupTable = 'rollup_latency' | 'rollup_outcomes';

/** The rows of one dimension (and group) in a rollup table's whole minutes. */
function inRollup(column: RollupDimension, key: string | undefined, range: Range) {
  return <O>(
    query: SelectQueryBuilder<StoreDatabase, RollupTable, O>,
  ): SelectQueryBuilder<StoreDatabase, RollupTable, O> => {
    let q = query.where('dimension', '=', column);
    if (key !== undefined) q = q.where('group_key', '=', key);
    if (range.from !== undefined) q = q.where('minute_us', '>=', range.from);
    if (range.to !== undefined) q = q.where('minute_us', '<', range.to);
    return q;
  };
}

/** Latency bucket counts of a window: the rollup's whole minutes plus the edges' exchanges. */
export async function bucketCountsOf(
  db: Kysely<StoreDatabase>,
  column: RollupDimension,
  key: string | undefined,
  rollup: Range | undefined,
  edges: readonly Range[],
): Promise<BucketCount[]> {
  const parts: Array<Promise<BucketCount[]>> = [];
  if (rollup !== undefined) {
    const query = db
      .selectFrom('rollup_latency')
      .select((eb) => [
        eb.ref('group_key').as('key'),
        'verb',
        'latency_bucket',
        eb.fn.sum<number>('n').as('n'),
      ])
      .groupBy(['group_key', 'verb', 'latency_bucket'])
      .$call(inRollup(column, key, rollup));
    parts.push(query.execute());
  }
  for (const edge of edges) {
    let query = db
      .selectFrom('exchanges')
      .select((eb) => [
        eb.ref(column).as('key'),
        'verb',
        'latency_bucket',
        eb.fn.countAll<number>().as('n'),
      ])
      .where(column, 'is not', null)
      .groupBy([column, 'verb', 'latency_bucket']);
    if (key !== undefined) query = query.where(column, '=', key);
    if (edge.from !== undefined) query = query.where('at_us', '>=', edge.from);
    if (edge.to !== undefined) query = query.where('at_us', '<', edge.to);
    parts.push(query.execute());
  }
  return (await Promise.all(parts)).flat();
}

/** Transaction counts by outcome of a window: the rollup's whole minutes plus the edges' transactions. */
export async function outcomeCountsOf(
  db: Kysely<StoreDatabase>,
  column: RollupDimension,
  key: string | undefined,
  rollup: Range | undefined,
  edges: readonly Range[],
): Promise<OutcomeCount[]> {
  const parts: Array<Promise<OutcomeCount[]>> = [];
  if (rollup !== undefined) {
    const query = db
      .selectFrom('rollup_outcomes')
      .select((eb) => [eb.ref('group_key').as('key'), 'outcome', eb.fn.sum<number>('n').as('n')])
      .groupBy(['group_key', 'outcome'])
      .$call(inRollup(column, key, rollup));
    parts.push(query.execute());
  }
  for (const edge of edges) {
    let query = db
      .selectFrom('transactions')
      .select((eb) => [eb.ref(column).as('key'), 'outcome', eb.fn.countAll<number>().as('n')])
      .where(column, 'is not', null)
      .groupBy([column, 'outcome']);
    if (key !== undefined) query = query.where(column, '=', key);
    if (edge.from !== undefined) query = query.where('completed_us', '>=', edge.from);
    if (edge.to !== undefined) query = query.where('completed_us', '<', edge.to);
    parts.push(query.execute());
  }
  return (await Promise.all(parts)).flat();
}
