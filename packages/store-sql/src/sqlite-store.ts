import { Kysely, type SqliteDatabase, SqliteDialect } from 'kysely';
import { registerSqliteDatabase } from './internal/sqlite-batch';
import type { StoreDatabase } from './schema';

/**
 * A Kysely instance on a SQLite database (better-sqlite3, or anything with
 * the subset kysely's `SqliteDatabase` declares) whose batches the writer
 * writes with prepared statements on the database directly, several times
 * faster than through kysely. Any other `SqliteDialect` Kysely works too,
 * through kysely's query execution. You set the pragmas and close it
 * (`db.destroy()` closes the database).
 *
 * @example
 * ```ts
 * const database = new Database('warp.sqlite');
 * database.pragma('journal_mode = WAL');
 * const db = createSqliteStore(database);
 * await migrateToLatest(db);
 * ```
 */
export function createSqliteStore(database: SqliteDatabase): Kysely<StoreDatabase> {
  const db = new Kysely<StoreDatabase>({ dialect: new SqliteDialect({ database }) });
  registerSqliteDatabase(db, database);
  return db;
}
