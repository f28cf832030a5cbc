/**
 * Kysely instances for store-sql's own tests and benchmark (not exported: it
 * uses the drivers, which are dev dependencies here).
 */
import Database from 'better-sqlite3';
import { Kysely, MysqlDialect } from 'kysely';
import { createPool, type PoolOptions } from 'mysql2';
import type { StoreDatabase } from '../schema';
import { createSqliteStore } from '../sqlite-store';

/** Open (or create) a SQLite store file in WAL mode. */
export function openSqlite(path: string): Kysely<StoreDatabase> {
  const database = new Database(path);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('busy_timeout = 5000');
  return createSqliteStore(database);
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
