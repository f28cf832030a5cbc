import { EVENT_TYPES, type Plugin, type PluginContext, type WarpEvent } from '@warp/hooks';
import type { Kysely } from 'kysely';
import { BatchWriter, type BatchWriterOptions, type BatchWriterStats } from './batch-writer';
import { migrateToLatest } from './migrations';
import { createPrivacyFilter, type PrivacyOptions } from './privacy';
import { purgeOlderThan } from './retention';
import type { StoreDatabase } from './schema';

/** Options every SQL storage plugin takes (plugin-sqlite, plugin-mysql). */
export interface StorePluginOptions extends Omit<BatchWriterOptions, 'nodeId' | 'onError'> {
  /** Capture level and address handling. Default: `envelope`, addresses kept. */
  privacy?: PrivacyOptions;
  /** Delete data older than `maxAgeDays`, checked every `intervalMs` (default hourly). */
  retention?: { maxAgeDays: number; intervalMs?: number };
  /** Run the schema migrations before the first write. Default true. */
  migrate?: boolean;
}

/** What a storage plugin opened, for queries and metrics: see {@link storeOf}. */
export interface StoreHandle {
  /** The Kysely instance after `init()` (for the query functions), else `undefined`. */
  readonly db: Kysely<StoreDatabase> | undefined;
  /** Writer counters (zeros before `init()`). */
  stats(): BatchWriterStats;
  /** Resolves when every event received so far is in the database. */
  flush(): Promise<void>;
}

const handles = new WeakMap<Plugin, StoreHandle>();

/**
 * The store behind a storage plugin (`undefined` for any other plugin). A
 * plugin object holds only the contract's keys, so its store is reached here.
 *
 * @example
 * ```ts
 * const plugin = sqliteStore({ path: 'warp.db' });
 * await bus.init();
 * const db = storeOf(plugin)?.db; // then findSessions(db, ...)
 * ```
 */
export function storeOf(plugin: Plugin): StoreHandle | undefined {
  return handles.get(plugin);
}

/** How a thin plugin package connects: open a Kysely instance, and close what it opened. */
export interface StoreConnector {
  /** Open the database for node `nodeId` (called by `init()`). */
  open(nodeId: string): Kysely<StoreDatabase> | Promise<Kysely<StoreDatabase>>;
  /** Release the connection (skip for an injected client the user owns). */
  close(db: Kysely<StoreDatabase>): Promise<void>;
  /** The spool file when the options name none (`undefined`: no spool). */
  defaultSpoolPath?(nodeId: string): string | undefined;
}

/** The session events a store keeps (notices are about plugins, not mail). */
const STORED_EVENTS = EVENT_TYPES.filter(
  (type) => !['plugin.slow', 'plugin.failed', 'events.dropped'].includes(type),
);

/**
 * Build a storage plugin from a connector: privacy filter, batching writer
 * with spool, migrations at init, periodic retention. `onEvents` only
 * queues, so the bus never waits on the database.
 *
 * @example
 * ```ts
 * export default definePlugin((options: MyOptions) =>
 *   createStorePlugin('my-sql', options, { open: () => new Kysely({ dialect }), close: (db) => db.destroy() }),
 * );
 * ```
 */
export function createStorePlugin(
  name: string,
  options: StorePluginOptions,
  connector: StoreConnector,
): Plugin {
  const privacy = createPrivacyFilter(options.privacy);
  let db: Kysely<StoreDatabase> | undefined;
  let writer: BatchWriter | undefined;
  let retention: NodeJS.Timeout | undefined;
  const plugin: Plugin = {
    name,
    apiVersion: 1,
    events: STORED_EVENTS,
    async init(context: PluginContext) {
      const opened = await connector.open(context.nodeId);
      db = opened;
      const spoolPath = options.spoolPath ?? connector.defaultSpoolPath?.(context.nodeId);
      writer = new BatchWriter(db, {
        ...options,
        ...(spoolPath === undefined ? {} : { spoolPath }),
        nodeId: context.nodeId,
        onError: (error) => context.report(error),
        // Migrations run before the first write, retried while the database is down,
        // so a database that is unavailable at start does not stop warpd.
        ...(options.migrate === false
          ? {}
          : { prepare: () => migrateToLatest(opened as Kysely<unknown>) }),
      });
      writer.start();
      const keep = options.retention;
      if (keep !== undefined) {
        const purge = () => {
          if (db)
            purgeOlderThan(db, { olderThan: { days: keep.maxAgeDays } }).catch((e) =>
              context.report(e),
            );
        };
        retention = setInterval(purge, keep.intervalMs ?? 3_600_000);
        retention.unref();
      }
    },
    async close() {
      clearInterval(retention);
      await writer?.close();
      if (db) await connector.close(db);
    },
    hooks: {
      onEvents(events: readonly WarpEvent[]) {
        writer?.add(events.map(privacy));
      },
    },
  };
  handles.set(plugin, {
    get db() {
      return db;
    },
    flush: () => writer?.flush() ?? Promise.resolve(),
    stats: () =>
      writer?.stats() ?? { written: 0, pending: 0, spoolBytes: 0, dropped: 0, unavailable: false },
  });
  return plugin;
}
