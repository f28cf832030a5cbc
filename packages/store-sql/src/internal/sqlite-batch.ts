import type { Kysely, SqliteDatabase, SqliteStatement } from 'kysely';
import type { StoreDatabase } from '../schema';
import { batchMarker, tablesOf } from './batch-tables';
import { COLUMN_WIDTHS, TEXT_WIDTH } from './column-widths';
import type { BatchRows } from './event-rows';
import { insertStatement } from './insert-statement';

/** The database under each Kysely made by `createSqliteStore`. */
const databases = new WeakMap<object, SqliteDatabase>();
/** Prepared statements of each database, by text: prepared once, run for every row. */
const prepared = new WeakMap<SqliteDatabase, Map<string, SqliteStatement>>();

/** Remember the SQLite database under a store's Kysely, for {@link writeSqliteBatch}. */
export function registerSqliteDatabase(db: Kysely<StoreDatabase>, database: SqliteDatabase): void {
  databases.set(db, database);
}

/** The SQLite database under a store's Kysely, when it was registered. */
export function sqliteDatabaseOf(db: Kysely<StoreDatabase>): SqliteDatabase | undefined {
  return databases.get(db);
}

function statementOf(database: SqliteDatabase, text: string): SqliteStatement {
  let cache = prepared.get(database);
  if (cache === undefined) {
    cache = new Map();
    prepared.set(database, cache);
  }
  let statement = cache.get(text);
  if (statement === undefined) {
    statement = database.prepare(text);
    cache.set(text, statement);
  }
  return statement;
}

/** The widths of a table's columns, in order (`Infinity` for non-strings is harmless). */
function widthsOf(columns: readonly string[]): number[] {
  return columns.map((c) => COLUMN_WIDTHS[c] ?? TEXT_WIDTH);
}

/** Run one single-row statement per row, values cut to their column widths as `fitRow` does. */
function runRows(
  database: SqliteDatabase,
  table: string,
  rows: readonly object[],
  mode: Parameters<typeof insertStatement>[4],
): number {
  const first = rows[0];
  if (first === undefined) return 0;
  const columns = Object.keys(first);
  const widths = widthsOf(columns);
  const statement = statementOf(database, insertStatement('sqlite', table, columns, 1, mode));
  const parameters: unknown[] = new Array(columns.length);
  let changes = 0;
  for (const row of rows) {
    const record = row as Record<string, unknown>;
    for (let i = 0; i < columns.length; i++) {
      const value = record[columns[i] as string];
      const width = widths[i] as number;
      parameters[i] =
        value === undefined
          ? null
          : typeof value === 'string' && value.length > width
            ? value.slice(0, width)
            : value;
    }
    changes += Number(statement.run(parameters).changes);
  }
  return changes;
}

/**
 * Write a batch synchronously on a SQLite database in one transaction
 * (prepared single-row statements, reused across batches: SQLite has no
 * network round trip to save, and preparing a 500-row statement per chunk
 * cost more than running it). Same rows, same order, same result as the
 * kysely path; returns whether the batch was new.
 */
export function writeSqliteBatch(
  database: SqliteDatabase,
  batch: { id: string; nodeId: string; rows: BatchRows },
): boolean {
  statementOf(database, 'begin').run([]);
  try {
    if (runRows(database, 'warp_batches', [batchMarker(batch)], 'ignore') === 0) {
      statementOf(database, 'rollback').run([]);
      return false;
    }
    for (const { table, rows, mode } of tablesOf(batch.rows)) runRows(database, table, rows, mode);
    statementOf(database, 'commit').run([]);
    return true;
  } catch (error) {
    try {
      statementOf(database, 'rollback').run([]);
    } catch {
      // No transaction left to roll back (SQLite ended it with the error).
    }
    throw error;
  }
}
