/**
 * Databases for store-sql's own tests and benchmark (not exported: it uses
 * the drivers, which are dev dependencies here). MariaDB must answer on
 * 127.0.0.1:3306 as root without password: when it does not, the caller
 * fails loudly.
 */
import { execFileSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { Kysely, MysqlDialect, SqliteDialect } from 'kysely';
import { createPool, type PoolOptions } from 'mysql2';
import type { StoreDatabase } from '../schema';

/** Open (or create) a SQLite store file in WAL mode. */
export function openSqlite(path: string): Kysely<StoreDatabase> {
  const database = new Database(path);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('busy_timeout = 5000');
  return new Kysely<StoreDatabase>({ dialect: new SqliteDialect({ database }) });
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

let counter = 0;

/** Create `warp_test_<pid>_<n>` and return its name; throws when MariaDB does not answer. */
export function createTestDatabase(): string {
  const name = `warp_test_${process.pid}_${counter++}`;
  mariadb(`create database ${name} character set utf8mb4 collate utf8mb4_unicode_ci`);
  return name;
}

/** Drop a database made by {@link createTestDatabase}. */
export function dropTestDatabase(name: string): void {
  mariadb(`drop database if exists ${name}`);
}

/** Run one statement with the `mariadb` client (root over TCP). */
export function mariadb(statement: string): string {
  try {
    return execFileSync(
      'mariadb',
      ['-h', '127.0.0.1', '-P', '3306', '-u', 'root', '-N', '-e', statement],
      {
        encoding: 'utf8',
      },
    );
  } catch (cause) {
    throw new Error(
      `MariaDB on 127.0.0.1:3306 did not run "${statement}": start it (see /work/shared/TOOLCHAIN.md) — this test needs a real MariaDB`,
      { cause },
    );
  }
}

/** Stop the local MariaDB (for the outage test). */
export function stopMariadb(): void {
  execFileSync('mariadb-admin', ['shutdown']);
}

/** Start the local MariaDB and wait until it answers. */
export async function startMariadb(): Promise<void> {
  execFileSync('start-stop-daemon', [
    '--start',
    '--oknodo',
    '--background',
    '--chuid',
    'mysql:mysql',
    '--pidfile',
    '/run/mysqld/mysqld.pid',
    '--exec',
    '/usr/sbin/mariadbd',
    '--',
    '--pid-file=/run/mysqld/mysqld.pid',
  ]);
  for (let i = 0; i < 300; i++) {
    try {
      execFileSync('mariadb-admin', ['ping'], { stdio: 'ignore' });
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error('MariaDB did not answer 30 s after start');
}
