import { CompiledQuery, type Kysely, type QueryResult, type Transaction } from 'kysely';
import type { StoreDatabase } from '../schema';
import { markerTable, type TableRows, tablesOf } from './batch-tables';
import { fitRow } from './column-widths';
import type { BatchRows } from './event-rows';
import { type Flavor, flavorOf } from './flavor';
import { insertStatement } from './insert-statement';
import { sqliteDatabaseOf, writeSqliteBatch } from './sqlite-batch';

/**
 * Bytes of values per statement at most: a quarter of MySQL's default
 * `max_allowed_packet` (16 MiB). 500 rows of long texts (16,000 characters
 * of 2-4 bytes each, twice per exchange) made a statement MySQL refused, and
 * the batch was then dropped as refused.
 */
const CHUNK_BYTES = 4 * 1024 * 1024;

/** An upper bound of a row's bytes in a statement: 3 per UTF-16 unit (UTF-8, or an escaped ASCII byte), 24 per other value. */
function rowBytes(row: Record<string, unknown>): number {
  let bytes = 0;
  for (const column in row) {
    const value = row[column];
    bytes += typeof value === 'string' ? value.length * 3 + 4 : 24;
  }
  return bytes;
}

/** The rows in statements of at most `size` rows and about {@link CHUNK_BYTES}, each value cut to its column. */
function* statementChunks(
  rows: readonly object[],
  size: number,
): Generator<Record<string, unknown>[]> {
  let chunk: Record<string, unknown>[] = [];
  let bytes = 0;
  for (const row of rows) {
    const fitted = fitRow(row) as Record<string, unknown>;
    const rowSize = rowBytes(fitted);
    if (chunk.length > 0 && (chunk.length >= size || bytes + rowSize > CHUNK_BYTES)) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(fitted);
    bytes += rowSize;
  }
  if (chunk.length > 0) yield chunk;
}

/** Insert rows in statement-sized chunks (rows and bytes); returns rows affected. */
async function insertRows(
  trx: Transaction<StoreDatabase>,
  flavor: Flavor,
  { table, rows, mode, chunk: size }: TableRows,
): Promise<number> {
  let affected = 0;
  for (const chunk of statementChunks(rows, size)) {
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
    if ((await insertRows(trx, flavor, markerTable(batch))) === 0) return false;
    for (const table of tablesOf(batch.rows)) await insertRows(trx, flavor, table);
    return true;
  });
}
