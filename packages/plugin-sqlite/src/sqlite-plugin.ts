import { checkOptions, definePlugin, type Plugin } from '@warp/hooks';
import { createSqliteStore, createStorePlugin, type StorePluginOptions } from '@warp/store-sql';
import Database from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';
import typia from 'typia';

/** Options of the SQLite storage plugin. */
export interface SqliteOptions extends StorePluginOptions {
  /** The database file. Default `warp.sqlite` in the working directory. */
  path?: string;
  /**
   * A database you opened yourself (better-sqlite3, or anything with the
   * subset kysely's `SqliteDatabase` declares). Used instead of `path`; you
   * set its pragmas and close it.
   */
  database?: SqliteDatabase;
}

/** The part of {@link SqliteOptions} that can come from a configuration file. */
type SqliteConfig = Omit<SqliteOptions, 'database'>;

const validate = typia.createValidateEquals<SqliteConfig>();

/**
 * The SQLite store's default `flushIntervalMs` (the writer's own default is
 * 25). A SQLite commit writes every B-tree page the batch touched, so its cost
 * goes with the pages, not the rows: at the relay's rate (~7,000 events/s in
 * the lab bench) 25 ms made batches of ~175 events. Measured (stage bench,
 * the lab's event mix): write 16.4 µs CPU per event at 175 events per batch,
 * 10.1 at 350, 9.3 at 700, 7.7 at 1,400; in warpd-sqlite under the lab load,
 * the write's share of the profile went from 13.1% to 8.0% and its write
 * system calls from 22.6 to 16.4 per message.
 */
const FLUSH_INTERVAL_MS = 200;

/**
 * The SQLite storage plugin, typed: every session, transaction, exchange and
 * TLS result in one file (WAL mode), written in batches off the relay's path.
 * `default` export is the same factory wrapped by `definePlugin`; reach the
 * store for queries with `storeOf(plugin)` from `@warp/store-sql`.
 *
 * @example
 * ```ts
 * const store = sqliteStore({ path: '/var/lib/warp/warp.sqlite', retention: { maxAgeDays: 30 } });
 * ```
 * @throws PluginOptionsError `WARP_ERR_HOOKS_INVALID_OPTIONS` naming each wrong option.
 */
export function sqliteStore(input: SqliteOptions = {}): Plugin {
  const isObject = typeof input === 'object' && input !== null;
  const { database, ...config } = isObject ? input : { database: undefined };
  const options = checkOptions('sqlite', validate(isObject ? config : input));
  const path = options.path ?? 'warp.sqlite';
  return createStorePlugin(
    'sqlite',
    { ...options, flushIntervalMs: options.flushIntervalMs ?? FLUSH_INTERVAL_MS },
    {
      defaultSpoolPath: () =>
        database === undefined && path !== ':memory:' ? `${path}.spool` : undefined,
      open() {
        if (database !== undefined) return createSqliteStore(database);
        const file = new Database(path);
        // WAL: readers (CLI, dashboard) never block the writer; NORMAL sync is
        // durable across process crashes (not power loss), the trade-off the relay wants.
        file.pragma('journal_mode = WAL');
        file.pragma('synchronous = NORMAL');
        file.pragma('busy_timeout = 5000');
        // SQLite's own default page cache (2 MiB) instead of better-sqlite3's
        // 16 MiB: the writer appends (time-ordered keys) and the summaries read
        // the small rollup tables, so a large cache bought no speed but raised
        // warpd's RSS by up to 14 MiB as the file grew.
        file.pragma('cache_size = -2000');
        return createSqliteStore(file);
      },
      close: (db) => (database === undefined ? db.destroy() : Promise.resolve()),
    },
  );
}

/** The plugin factory warpd loads (`plugins: [{ use: '@warp/plugin-sqlite', options }]`). */
export default definePlugin(sqliteStore);
