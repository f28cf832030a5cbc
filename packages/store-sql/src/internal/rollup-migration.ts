import { type Kysely, sql } from 'kysely';
import type { RollupDimension } from '../schema';
import { host, id, withCharset } from './ddl';
import { flavorOf } from './flavor';

/** The dimensions the summaries group by, in the order the writer counts them. */
export const ROLLUP_DIMENSIONS: readonly RollupDimension[] = [
  'dest_domain',
  'mx_host',
  'egress_address',
  'sender_domain',
];

/** µs in a rollup minute. */
export const MINUTE_US = 60_000_000;

/**
 * Migration 0002: the per-minute rollups the summaries read, filled from
 * what is already stored, and the two covering indexes of `exchanges` they
 * replace (each was a B-tree update on every exchange row).
 */
export async function rollupTables(db: Kysely<unknown>): Promise<void> {
  const flavor = flavorOf(db);
  const s = db.schema;
  await withCharset(
    flavor,
    s
      .createTable('rollup_latency')
      .ifNotExists()
      .addColumn('dimension', 'varchar(16)', (c) => c.notNull())
      .addColumn('minute_us', 'bigint', (c) => c.notNull())
      .addColumn('group_key', host, (c) => c.notNull())
      .addColumn('verb', 'varchar(16)', (c) => c.notNull())
      .addColumn('latency_bucket', 'integer', (c) => c.notNull())
      .addColumn('node_id', id, (c) => c.notNull())
      .addColumn('n', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('rollup_latency_pk', [
        'dimension',
        'minute_us',
        'group_key',
        'verb',
        'latency_bucket',
        'node_id',
      ]),
  ).execute();
  await withCharset(
    flavor,
    s
      .createTable('rollup_outcomes')
      .ifNotExists()
      .addColumn('dimension', 'varchar(16)', (c) => c.notNull())
      .addColumn('minute_us', 'bigint', (c) => c.notNull())
      .addColumn('group_key', host, (c) => c.notNull())
      .addColumn('outcome', 'varchar(16)', (c) => c.notNull())
      .addColumn('node_id', id, (c) => c.notNull())
      .addColumn('n', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('rollup_outcomes_pk', [
        'dimension',
        'minute_us',
        'group_key',
        'outcome',
        'node_id',
      ]),
  ).execute();
  // Integer division: `/` on SQLite integers, `div` on MySQL (where `/` is decimal).
  const minute = (column: string) =>
    sql.raw(
      flavor === 'mysql'
        ? `(${column} div ${MINUTE_US}) * ${MINUTE_US}`
        : `(${column} / ${MINUTE_US}) * ${MINUTE_US}`,
    );
  for (const dimension of ROLLUP_DIMENSIONS) {
    const column = sql.ref(dimension);
    await sql`insert into rollup_latency (dimension, minute_us, group_key, verb, latency_bucket, node_id, n)
      select ${dimension}, ${minute('at_us')}, ${column}, coalesce(verb, ''), latency_bucket, node_id, count(*)
      from exchanges where ${column} is not null
      group by ${minute('at_us')}, ${column}, coalesce(verb, ''), latency_bucket, node_id`.execute(
      db,
    );
    await sql`insert into rollup_outcomes (dimension, minute_us, group_key, outcome, node_id, n)
      select ${dimension}, ${minute('completed_us')}, ${column}, outcome, node_id, count(*)
      from transactions where ${column} is not null
      group by ${minute('completed_us')}, ${column}, outcome, node_id`.execute(db);
  }
  for (const index of ['exchanges_domain', 'exchanges_mx']) {
    if (flavor === 'sqlite') {
      await db.schema.dropIndex(index).ifExists().execute();
      continue;
    }
    // MySQL has no DROP INDEX IF EXISTS (MariaDB has): ask the catalogue.
    const present = await sql<{ n: number }>`select count(*) as n from information_schema.statistics
      where table_schema = database() and table_name = 'exchanges' and index_name = ${index}`.execute(
      db,
    );
    if (Number(present.rows[0]?.n ?? 0) > 0)
      await db.schema.dropIndex(index).on('exchanges').execute();
  }
}
