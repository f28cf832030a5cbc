import { join } from 'node:path';
import { checkOptions, definePlugin, type Plugin } from '@warp/hooks';
import { createStorePlugin, type StorePluginOptions } from '@warp/store-sql';
import { Kysely, MysqlDialect, type MysqlPool } from 'kysely';
import { createPool } from 'mysql2';
import typia from 'typia';

/** Connection settings, when no `dsn` is given (mysql2 pool options, the common ones). */
export interface MysqlConnection {
  host?: string;
  port?: number;
  /** Unix socket path, instead of host and port. */
  socketPath?: string;
  user?: string;
  password?: string;
  database?: string;
  /** Connections in the pool. Default 4 (one writer, the rest for queries). */
  connectionLimit?: number;
  /** Milliseconds to wait for a connection. Default 2000: an outage is noticed fast and spooled. */
  connectTimeout?: number;
}

/** Options of the MySQL/MariaDB storage plugin. */
export interface MysqlOptions extends StorePluginOptions {
  /** `mysql://user:password@host:3306/database`. */
  dsn?: string;
  /** Connection settings (merged over the DSN's). */
  connection?: MysqlConnection;
  /**
   * A pool you created yourself (mysql2 `createPool`, callback API). Use
   * `charset: 'utf8mb4_unicode_ci'` and `timezone: 'Z'`. You close it.
   */
  pool?: MysqlPool;
}

type MysqlConfig = Omit<MysqlOptions, 'pool'>;

const validate = typia.createValidateEquals<MysqlConfig>();

/**
 * The MySQL/MariaDB storage plugin, typed: several warp nodes (different node
 * ids) write to one database at the same time; migrations are safe to run
 * from all of them at once. While the database is unavailable, events wait in
 * a bounded spool file (default `warp-mysql-<nodeId>.spool` in the working
 * directory) and are replayed exactly once. Reach the store for queries with
 * `storeOf(plugin)` from `@warp/store-sql`.
 *
 * @example
 * ```ts
 * const store = mysqlStore({ dsn: 'mysql://warp:secret@db.internal:3306/warp' });
 * ```
 * @throws PluginOptionsError `WARP_ERR_HOOKS_INVALID_OPTIONS` naming each wrong option.
 */
export function mysqlStore(input: MysqlOptions = {}): Plugin {
  const isObject = typeof input === 'object' && input !== null;
  const { pool, ...config } = isObject ? input : { pool: undefined };
  const options = checkOptions('mysql', validate(isObject ? config : input));
  if (pool === undefined && options.dsn === undefined && options.connection === undefined) {
    checkOptions('mysql', {
      success: false,
      errors: [
        { path: '$input.dsn', expected: 'a DSN, connection settings or a pool', value: undefined },
      ],
    });
  }
  return createStorePlugin('mysql', options, {
    defaultSpoolPath: (nodeId) =>
      join(process.cwd(), `warp-mysql-${nodeId.replace(/[^\w.-]/g, '_')}.spool`),
    open() {
      const own =
        pool ??
        createPool({
          ...(options.dsn ? { uri: options.dsn } : {}),
          connectionLimit: 4,
          connectTimeout: 2000,
          ...options.connection,
          // utf8mb4: addresses and replies may hold any UTF-8 (RFC 6531); Z: times stay UTC.
          charset: 'utf8mb4_unicode_ci',
          timezone: 'Z',
        });
      return new Kysely({ dialect: new MysqlDialect({ pool: own }) });
    },
    close: (db) => (pool === undefined ? db.destroy() : Promise.resolve()),
  });
}

/** The plugin factory warpd loads (`plugins: [{ use: '@warp/plugin-mysql', options }]`). */
export default definePlugin(mysqlStore);
