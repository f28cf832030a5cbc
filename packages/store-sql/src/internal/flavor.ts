import { type Kysely, sql } from 'kysely';

/** The SQL dialects a store runs on. */
export type Flavor = 'sqlite' | 'mysql';

/** Find which dialect a Kysely instance speaks, from its adapter. */
export function flavorOf(db: Kysely<unknown>): Flavor {
  const adapter = db.getExecutor().adapter.constructor.name;
  if (adapter.startsWith('Sqlite')) return 'sqlite';
  if (adapter.startsWith('Mysql')) return 'mysql';
  throw new Error(
    `[warp] [store-sql] unsupported kysely adapter ${adapter}: use SqliteDialect or MysqlDialect`,
  );
}

/** `excluded.col` (SQLite) or `VALUES(col)` (MySQL/MariaDB): the value an upsert tried to insert. */
export function inserted(flavor: Flavor, column: string) {
  return flavor === 'sqlite' ? sql.raw(`excluded.${column}`) : sql.raw(`VALUES(${column})`);
}
