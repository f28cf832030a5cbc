import { CompiledQuery, type Kysely, type QueryResult, type Transaction } from 'kysely';
import type { StoreDatabase } from '../schema';
import { batchMarker, type TableRows, tablesOf } from './batch-tables';
import { fitRow } from './column-widths';
import type { BatchRows } from './event-rows';
import { type Flavor, flavorOf } from './flavor';
import { insertStatement } from './insert-statement';
import { sqliteDatabaseOf, writeSqliteBatch } from './sqlite-batch';

/** Insert rows in statement-sized chunks, each value cut to its column's width; returns rows affected. */
async function insertRows(
  trx: Transaction<StoreDatabase>,
  flavor: Flavor,
  { table, rows, mode, chunk: size }: TableRows,
): Promise<number> {
  let affected = 0;
  for (let i = 0; i < rows.length; i += size) {
    const chunk = rows.slice(i, i + size).map(fitRow) as Record<string, unknown>[];
    const columns = Object.keys(chunk[0] ?? {});
    const parameters: unknown[] = [];
    for (const row of chunk) for (const column of columns) parameters.push(row[column] ?? null);
    const text = insertStatement(flavor, table, columns, chunk.length, mode);
    const result: QueryResult<unknown> = await trx.executeQuery(
      CompiledQuery.raw(text, parameters),
    );
    affected += Number(result.numAffectedRows ?? 0n);
  }
  return affected;
}

/**
 * Write one batch in one database transaction, with a row in `warp_batches`
 * first: when that row already exists the batch was written before (a replay
 * after a lost acknowledgement) and nothing else is written. Returns whether
 * the batch was new. On a SQLite store opened with `createSqliteStore`, the
 * rows go through prepared statements on the database itself.
 */
export async function writeBatch(
  db: Kysely<StoreDatabase>,
  batch: { id: string; nodeId: string; rows: BatchRows },
): Promise<boolean> {
  const sqlite = sqliteDatabaseOf(db);
  if (sqlite !== undefined) {
    // Holding kysely's connection: no kysely transaction (retention) is open meanwhile.
    return db.connection().execute(async () => writeSqliteBatch(sqlite, batch));
  }
  const flavor = flavorOf(db as Kysely<unknown>);
  return db.transaction().execute(async (trx) => {
    const marker = { table: 'warp_batches', rows: [batchMarker(batch)], mode: 'ignore', chunk: 1 };
    if ((await insertRows(trx, flavor, marker as TableRows)) === 0) return false;
    for (const table of tablesOf(batch.rows)) await insertRows(trx, flavor, table);
    return true;
  });
}
