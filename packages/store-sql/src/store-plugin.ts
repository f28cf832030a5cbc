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
  /** Run the schema migrations at init. Default true. */
  migrate?: boolean;
}

/** A storage plugin: a {@link Plugin} that also opens its store for queries. */
export interface StorePlugin extends Plugin {
  /** The Kysely instance after `init()` (for the query functions), else `undefined`. */
  readonly db: Kysely<StoreDatabase> | undefined;
  /** Writer counters (zeros before `init()`). */
  stats(): BatchWriterStats;
  /** Resolves when every event received so far is in the database. */
  flush(): Promise<void>;
}

/** How a thin plugin package connects: open a Kysely instance, and close what it opened. */
export interface StoreConnector {
  open(): Kysely<StoreDatabase> | Promise<Kysely<StoreDatabase>>;
  /** Release the connection (skip for an injected client the user owns). */
  close(db: Kysely<StoreDatabase>): Promise<void>;
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
): StorePlugin {
  const privacy = createPrivacyFilter(options.privacy);
  let db: Kysely<StoreDatabase> | undefined;
  let writer: BatchWriter | undefined;
  let retention: NodeJS.Timeout | undefined;
  return {
    name,
    apiVersion: 1,
    events: STORED_EVENTS,
    get db() {
      return db;
    },
    flush: () => writer?.flush() ?? Promise.resolve(),
    stats: () =>
      writer?.stats() ?? { written: 0, pending: 0, spoolBytes: 0, dropped: 0, unavailable: false },
    async init(context: PluginContext) {
      db = await connector.open();
      if (options.migrate ?? true) await migrateToLatest(db as Kysely<unknown>);
      writer = new BatchWriter(db, {
        ...options,
        nodeId: context.nodeId,
        onError: (error) => context.report(error),
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
}
