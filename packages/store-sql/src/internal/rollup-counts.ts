import type { RollupLatencyTable, RollupOutcomesTable } from '../schema';
import { COLUMN_WIDTHS, cutTo } from './column-widths';
import { MINUTE_US, ROLLUP_DIMENSIONS } from './rollup-migration';

/** The group keys of a row in each summary dimension (`dest_domain`, `mx_host`, `egress_address`, `sender_domain`). */
export type GroupKeys = readonly [string | null, string | null, string | null, string | null];

/** Where a row's group keys come from: a session's state (see `SessionMemo`) or a transaction. */
export interface GroupSource {
  readonly destDomain: string | null;
  readonly mxHost: string | null;
  readonly egressAddress: string | null;
  readonly senderDomain: string | null;
}

interface Tally {
  nodeId: string;
  minute: number;
  keys: GroupKeys;
  /** The verb and bucket (latency) or the outcome. */
  what: string;
  bucket: number;
  n: number;
}

/** The start of the rollup minute of a time in µs. */
export function minuteOf(us: number): number {
  return Math.floor(us / MINUTE_US) * MINUTE_US;
}

/**
 * Counts one batch adds to the per-minute rollups. Rows are tallied first by
 * all four group keys together (one map entry per session shape, not four
 * per row), then spread over the dimensions once per batch.
 */
export class RollupCounts {
  readonly #latency = new Map<string, Tally>();
  readonly #outcomes = new Map<string, Tally>();

  /** Count one exchange (`verb` `''` for the greeting). */
  exchange(nodeId: string, atUs: number, verb: string, bucket: number, keys: GroupSource): void {
    tally(this.#latency, nodeId, minuteOf(atUs), keys, verb, bucket);
  }

  /** Count one transaction. */
  outcome(nodeId: string, completedUs: number, outcome: string, keys: GroupSource): void {
    tally(this.#outcomes, nodeId, minuteOf(completedUs), keys, outcome, 0);
  }

  /** The `rollup_latency` rows of the batch. */
  latencyRows(): RollupLatencyTable[] {
    return spread(this.#latency, COLUMN_WIDTHS.verb, (t, dimension, group_key, what) => ({
      dimension,
      minute_us: t.minute,
      group_key,
      verb: what,
      latency_bucket: t.bucket,
      node_id: t.nodeId,
      n: 0,
    }));
  }

  /** The `rollup_outcomes` rows of the batch. */
  outcomeRows(): RollupOutcomesTable[] {
    return spread(this.#outcomes, COLUMN_WIDTHS.outcome, (t, dimension, group_key, what) => ({
      dimension,
      minute_us: t.minute,
      group_key,
      outcome: what,
      node_id: t.nodeId,
      n: 0,
    }));
  }
}

function tally(
  map: Map<string, Tally>,
  nodeId: string,
  minute: number,
  source: GroupSource,
  what: string,
  bucket: number,
): void {
  const { destDomain, mxHost, egressAddress, senderDomain } = source;
  const id = `${nodeId}\u0000${minute}\u0000${what}\u0000${bucket}\u0000${destDomain}\u0000${mxHost}\u0000${egressAddress}\u0000${senderDomain}`;
  const found = map.get(id);
  if (found) found.n++;
  else {
    // A snapshot: the session's state changes after this row (sender domain, MX).
    const keys: GroupKeys = [destDomain, mxHost, egressAddress, senderDomain];
    map.set(id, { nodeId, minute, keys, what, bucket, n: 1 });
  }
}

function spread<T extends { n: number }>(
  tallies: Map<string, Tally>,
  whatWidth: number | undefined,
  row: (
    tally: Tally,
    dimension: (typeof ROLLUP_DIMENSIONS)[number],
    key: string,
    what: string,
  ) => T,
): T[] {
  const rows = new Map<string, T>();
  for (const t of tallies.values()) {
    const what = cutTo(t.what, whatWidth);
    for (let i = 0; i < ROLLUP_DIMENSIONS.length; i++) {
      const dimension = ROLLUP_DIMENSIONS[i];
      const value = t.keys[i];
      if (dimension === undefined || value === null || value === undefined) continue;
      const key = cutTo(value, COLUMN_WIDTHS[dimension]);
      const id = `${dimension}\u0000${t.minute}\u0000${key}\u0000${what}\u0000${t.bucket}\u0000${t.nodeId}`;
      let found = rows.get(id);
      if (found === undefined) {
        found = row(t, dimension, key, what);
        rows.set(id, found);
      }
      found.n += t.n;
    }
  }
  return [...rows.values()];
}
