import type { Kysely } from 'kysely';

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
