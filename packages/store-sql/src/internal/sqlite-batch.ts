import type { Kysely, SqliteDatabase, SqliteStatement } from 'kysely';
import type { StoreDatabase } from '../schema';
import { markerTable, tablesOf } from './batch-tables';
import { cutTo, widthOf } from './column-widths';
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

/**
 * Rows bound per `run()` for the tables that gain from it: every `run()` is
 * a call into the addon plus a step and a reset of the statement. Measured
 * (A/B, same batches into two databases alternately, 1,400-event batches):
 * `exchanges` 3.3 -> 2.7 µs per event, `transactions` and `recipients` -10 to
 * -15%, the whole write -9 to -11%; 32 rows per statement were no faster
 * than 8. Upserts (`sessions`,
 * rollups) and `tls_results` (19 columns, mostly NULL) were slower with
 * multi-row statements (`sessions` 0.8 -> 2.1 µs per event), so they keep
 * single-row statements.
 */
const ROWS_PER_RUN = 8;
const MULTI_ROW_TABLES: ReadonlySet<string> = new Set(['exchanges', 'transactions', 'recipients']);

/** Copy one row's values into `parameters` at `offset`, cut to their column widths as `fitRow` does. */
function bindRow(
  parameters: unknown[],
  offset: number,
  record: Record<string, unknown>,
  columns: readonly string[],
  widths: readonly number[],
): void {
  for (let i = 0; i < columns.length; i++) {
    const value = record[columns[i] as string];
    const width = widths[i] as number;
    parameters[offset + i] =
      value === undefined ? null : typeof value === 'string' ? cutTo(value, width) : value;
  }
}

/** Run the rows through prepared statements of {@link ROWS_PER_RUN} rows where that pays, then single rows. */
function runRows(
  database: SqliteDatabase,
  table: string,
  rows: readonly object[],
  mode: Parameters<typeof insertStatement>[4],
): number {
  const first = rows[0];
  if (first === undefined) return 0;
  const columns = Object.keys(first);
  // Per table, not per row: `fitRow` looks each width up again.
  const widths = columns.map(widthOf);
  const width = columns.length;
  let changes = 0;
  let next = 0;
  if (rows.length >= ROWS_PER_RUN && MULTI_ROW_TABLES.has(table)) {
    const statement = statementOf(
      database,
      insertStatement('sqlite', table, columns, ROWS_PER_RUN, mode),
    );
    const parameters: unknown[] = new Array(width * ROWS_PER_RUN);
    for (; next + ROWS_PER_RUN <= rows.length; next += ROWS_PER_RUN) {
      for (let k = 0; k < ROWS_PER_RUN; k++) {
        bindRow(parameters, k * width, rows[next + k] as Record<string, unknown>, columns, widths);
      }
      changes += Number(statement.run(parameters).changes);
    }
  }
  if (next < rows.length) {
    const statement = statementOf(database, insertStatement('sqlite', table, columns, 1, mode));
    const parameters: unknown[] = new Array(width);
    for (; next < rows.length; next++) {
      bindRow(parameters, 0, rows[next] as Record<string, unknown>, columns, widths);
      changes += Number(statement.run(parameters).changes);
    }
  }
  return changes;
}

/**
 * Write a batch synchronously on a SQLite database in one transaction
 * (statements of one and of {@link ROWS_PER_RUN} rows, prepared once and
 * reused across batches: SQLite has no network round trip to save, and
 * preparing a 500-row statement per chunk cost more than running it).
 * Same rows, same order, same result as the kysely path; returns whether
 * the batch was new.
 */
export function writeSqliteBatch(
  database: SqliteDatabase,
  batch: { id: string; nodeId: string; rows: BatchRows },
): boolean {
  statementOf(database, 'begin').run([]);
  try {
    const marker = markerTable(batch);
    if (runRows(database, marker.table, marker.rows, marker.mode) === 0) {
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
