/**
 * Kysely instances for store-sql's own tests and benchmark (not exported: it
 * uses the drivers, which are dev dependencies here).
 */
import Database from 'better-sqlite3';
import { Kysely, MysqlDialect, SqliteDialect } from 'kysely';
import { createPool, type PoolOptions } from 'mysql2';
import type { StoreDatabase } from '../schema';
import { createSqliteStore } from '../sqlite-store';

function openFile(path: string): Database.Database {
  const database = new Database(path);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('busy_timeout = 5000');
  return database;
}

/** Open (or create) a SQLite store file in WAL mode (prepared-statement writes). */
export function openSqlite(path: string): Kysely<StoreDatabase> {
  return createSqliteStore(openFile(path));
}

/**
 * The same file through a Kysely made elsewhere (not `createSqliteStore`):
 * batches go through kysely's multi-row INSERTs, the path other embedders take.
 */
export function openSqliteKysely(path: string): Kysely<StoreDatabase> {
  return new Kysely<StoreDatabase>({ dialect: new SqliteDialect({ database: openFile(path) }) });
}

/** Connection options of the local MariaDB. */
export function mariadbOptions(database?: string): PoolOptions {
  return {
    host: '127.0.0.1',
    port: 3306,
    user: 'root',
    password: '',
    ...(database ? { database } : {}),
    charset: 'utf8mb4_unicode_ci',
    timezone: 'Z',
    connectionLimit: 4,
    connectTimeout: 2000,
  };
}

/** A Kysely instance on a MariaDB database. */
export function openMysql(
  database: string,
  options: Partial<PoolOptions> = {},
): Kysely<StoreDatabase> {
  return new Kysely<StoreDatabase>({
    dialect: new MysqlDialect({ pool: createPool({ ...mariadbOptions(database), ...options }) }),
  });
}

export { createTestDatabase, dropTestDatabase } from '../testing/mariadb';
