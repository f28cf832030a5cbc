import type { Kysely } from 'kysely';
import { MINUTE_US } from './internal/rollup-migration';
import { type TimeInput, toMicros } from './internal/time-range';
import type { StoreDatabase } from './schema';

/** Options of {@link purgeOlderThan}. */
export interface RetentionOptions {
  /** Delete what is older than this: a cutoff time, or `{ days }` / `{ ms }` before now. */
  olderThan: TimeInput | { days: number } | { ms: number };
  /** Sessions per delete round (small rounds keep locks short next to live writers). Default 1000. */
  batchSize?: number;
  /** Pause between rounds in ms, to leave the database to the writers. Default 0. */
  pauseMs?: number;
}

/** What a purge deleted. */
export interface RetentionResult {
  sessions: number;
  exchanges: number;
  rounds: number;
}

function cutoffOf(olderThan: RetentionOptions['olderThan']): number {
  if (typeof olderThan === 'object' && !(olderThan instanceof Date)) {
    const ms = 'days' in olderThan ? olderThan.days * 86_400_000 : olderThan.ms;
    return toMicros(Date.now() - ms);
  }
  return toMicros(olderThan);
}

/**
 * Delete sessions opened before the cutoff, with their transactions,
 * recipients, exchanges and TLS results, in small rounds (each its own
 * transaction), then exchanges and batch markers left without a session,
 * and the rollups' minutes before the cutoff.
 *
 * @example
 * ```ts
 * await purgeOlderThan(db, { olderThan: { days: 30 } });
 * ```
 */
export async function purgeOlderThan(
  db: Kysely<StoreDatabase>,
  options: RetentionOptions,
): Promise<RetentionResult> {
  const cutoff = cutoffOf(options.olderThan);
  const size = Math.max(1, options.batchSize ?? 1000);
  const result: RetentionResult = { sessions: 0, exchanges: 0, rounds: 0 };
  const pause = () =>
    options.pauseMs ? new Promise((resolve) => setTimeout(resolve, options.pauseMs)) : undefined;
  for (;;) {
    const keys = await db
      .selectFrom('sessions')
      .select(['node_id', 'session_id'])
      .where('opened_us', '<', cutoff)
      .limit(size)
      .execute();
    if (keys.length === 0) break;
    const byNode = new Map<string, string[]>();
    for (const { node_id, session_id } of keys)
      byNode.set(node_id, [...(byNode.get(node_id) ?? []), session_id]);
    await db.transaction().execute(async (trx) => {
      for (const [node, sessions] of byNode) {
        for (const table of [
          'message_captures',
          'recipients',
          'transactions',
          'tls_results',
          'sessions',
        ] as const) {
          await trx
            .deleteFrom(table)
            .where('node_id', '=', node)
            .where('session_id', 'in', sessions)
            .execute();
        }
        const gone = await trx
          .deleteFrom('exchanges')
          .where('node_id', '=', node)
          .where('session_id', 'in', sessions)
          .executeTakeFirst();
        result.exchanges += Number(gone.numDeletedRows);
      }
    });
    result.sessions += keys.length;
    result.rounds += 1;
    await pause();
  }
  // Rows whose session row never arrived (its `session.opened` was dropped).
  for (;;) {
    const ids = await db
      .selectFrom('exchanges')
      .select('id')
      .where('at_us', '<', cutoff)
      .limit(size * 10)
      .execute();
    if (ids.length === 0) break;
    const gone = await db
      .deleteFrom('exchanges')
      .where(
        'id',
        'in',
        ids.map((r) => r.id),
      )
      .executeTakeFirst();
    result.exchanges += Number(gone.numDeletedRows);
    result.rounds += 1;
    await pause();
  }
  // Whole minutes before the cutoff (a minute the cutoff splits keeps its counts).
  for (const table of ['rollup_latency', 'rollup_outcomes'] as const)
    await db
      .deleteFrom(table)
      .where('minute_us', '<=', cutoff - MINUTE_US)
      .execute();
  await db.deleteFrom('warp_batches').where('written_us', '<', cutoff).execute();
  return result;
}
