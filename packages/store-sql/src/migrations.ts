import { WarpError } from '@warp/hooks';
import { type Kysely, type Migration, type MigrationResultSet, Migrator } from 'kysely';
import { captureTables } from './internal/capture-migration';
import { autoId, host, id, ip, short, withCharset } from './internal/ddl';
import { flavorOf } from './internal/flavor';
import { goWarpViews } from './internal/go-warp-views';
import { rollupTables } from './internal/rollup-migration';

async function createInitialSchema(db: Kysely<unknown>): Promise<void> {
  const flavor = flavorOf(db);
  const idType = flavor === 'mysql' ? 'bigint' : 'integer';
  const s = db.schema;
  await withCharset(
    flavor,
    s
      .createTable('sessions')
      .ifNotExists()
      .addColumn('node_id', id, (c) => c.notNull())
      .addColumn('session_id', id, (c) => c.notNull())
      .addColumn('opened_us', 'bigint')
      .addColumn('closed_us', 'bigint')
      .addColumn('client_address', ip)
      .addColumn('client_port', 'integer')
      .addColumn('destination_address', ip)
      .addColumn('destination_port', 'integer')
      .addColumn('egress_address', ip)
      .addColumn('egress_port', 'integer')
      .addColumn('mx_host', host)
      .addColumn('dest_domain', host)
      .addColumn('close_reason', short)
      .addColumn('error_code', 'varchar(64)')
      .addColumn('error_message', 'text')
      .addColumn('tls_protocol', short)
      .addColumn('tls_cipher', 'varchar(128)')
      .addColumn('tls_verified', 'smallint')
      .addColumn('bytes_from_client', 'bigint')
      .addColumn('bytes_to_client', 'bigint')
      .addColumn('bytes_from_server', 'bigint')
      .addColumn('bytes_to_server', 'bigint')
      .addColumn('total_ms', 'double precision')
      .addColumn('connect_ms', 'double precision')
      .addColumn('connect_to_354_ms', 'double precision')
      .addColumn('tls_handshake_ms', 'double precision')
      .addColumn('transactions', 'integer')
      .addPrimaryKeyConstraint('sessions_pk', ['node_id', 'session_id']),
  ).execute();
  await withCharset(
    flavor,
    s
      .createTable('transactions')
      .ifNotExists()
      .addColumn('node_id', id, (c) => c.notNull())
      .addColumn('session_id', id, (c) => c.notNull())
      .addColumn('txn_no', 'integer', (c) => c.notNull())
      .addColumn('completed_us', 'bigint', (c) => c.notNull())
      .addColumn('sender', 'varchar(320)', (c) => c.notNull())
      .addColumn('sender_domain', host, (c) => c.notNull())
      .addColumn('recipient_count', 'integer', (c) => c.notNull())
      .addColumn('size', 'bigint', (c) => c.notNull())
      .addColumn('outcome', 'varchar(16)', (c) => c.notNull())
      .addColumn('reply_code', 'integer', (c) => c.notNull())
      .addColumn('reply_enhanced', 'varchar(16)')
      .addColumn('reply_text', 'text', (c) => c.notNull())
      .addColumn('decided_by', 'varchar(16)', (c) => c.notNull())
      .addColumn('plugin', 'varchar(64)')
      .addColumn('duration_ms', 'double precision', (c) => c.notNull())
      .addColumn('dest_domain', host)
      .addColumn('mx_host', host)
      .addColumn('egress_address', ip)
      .addPrimaryKeyConstraint('transactions_pk', ['node_id', 'session_id', 'txn_no']),
  ).execute();
  await withCharset(
    flavor,
    s
      .createTable('recipients')
      .ifNotExists()
      .addColumn('node_id', id, (c) => c.notNull())
      .addColumn('session_id', id, (c) => c.notNull())
      .addColumn('txn_no', 'integer', (c) => c.notNull())
      .addColumn('position', 'integer', (c) => c.notNull())
      .addColumn('address', 'varchar(320)', (c) => c.notNull())
      .addColumn('domain', host, (c) => c.notNull())
      .addColumn('reply_code', 'integer', (c) => c.notNull())
      .addColumn('reply_enhanced', 'varchar(16)')
      .addColumn('reply_text', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('recipients_pk', ['node_id', 'session_id', 'txn_no', 'position']),
  ).execute();
  await withCharset(
    flavor,
    s
      .createTable('exchanges')
      .ifNotExists()
      .addColumn('id', idType, autoId(flavor))
      .addColumn('node_id', id, (c) => c.notNull())
      .addColumn('session_id', id, (c) => c.notNull())
      .addColumn('at_us', 'bigint', (c) => c.notNull())
      .addColumn('mono_ms', 'double precision', (c) => c.notNull())
      .addColumn('txn_no', 'integer')
      .addColumn('verb', 'varchar(16)')
      .addColumn('command', 'text')
      .addColumn('command_us', 'bigint')
      .addColumn('reply_code', 'integer', (c) => c.notNull())
      .addColumn('reply_enhanced', 'varchar(16)')
      .addColumn('reply_text', 'text', (c) => c.notNull())
      .addColumn('latency_ms', 'double precision', (c) => c.notNull())
      .addColumn('latency_bucket', 'integer', (c) => c.notNull())
      .addColumn('dest_domain', host)
      .addColumn('mx_host', host)
      .addColumn('egress_address', ip)
      .addColumn('sender_domain', host),
  ).execute();
  await withCharset(
    flavor,
    s
      .createTable('tls_results')
      .ifNotExists()
      .addColumn('id', idType, autoId(flavor))
      .addColumn('node_id', id, (c) => c.notNull())
      .addColumn('session_id', id, (c) => c.notNull())
      .addColumn('at_us', 'bigint', (c) => c.notNull())
      .addColumn('ok', 'smallint', (c) => c.notNull())
      .addColumn('stage', short)
      .addColumn('protocol', short)
      .addColumn('cipher', 'varchar(128)')
      .addColumn('verified', 'smallint')
      .addColumn('verify_error', 'varchar(128)')
      .addColumn('handshake_ms', 'double precision')
      .addColumn('cert_subject', 'text')
      .addColumn('cert_issuer', 'text')
      .addColumn('cert_san', 'text')
      .addColumn('cert_valid_from', short)
      .addColumn('cert_valid_to', short)
      .addColumn('cert_fingerprint', 'varchar(128)')
      .addColumn('reason', 'text')
      .addColumn('error_code', 'varchar(64)')
      .addColumn('continued_plaintext', 'smallint'),
  ).execute();
  await withCharset(
    flavor,
    s
      .createTable('warp_batches')
      .ifNotExists()
      .addColumn('batch_id', id, (c) => c.primaryKey())
      .addColumn('node_id', id, (c) => c.notNull())
      .addColumn('written_us', 'bigint', (c) => c.notNull()),
  ).execute();
  await createIndexes(db);
}

/**
 * The questions operators ask: by time, destination domain, MX, egress,
 * sender domain, reply code. Migration 0001 as released: its two covering
 * indexes on `exchanges` (`exchanges_domain`, `exchanges_mx`) are dropped
 * by 0002, which gives the summaries per-minute rollups instead; the
 * summaries read `exchanges` only for the partial minutes at a window's
 * ends, through `exchanges_at`.
 */
const INDEXES: ReadonlyArray<readonly [table: string, name: string, columns: string[]]> = [
  ['sessions', 'sessions_opened', ['opened_us']],
  ['sessions', 'sessions_domain', ['dest_domain', 'opened_us']],
  ['sessions', 'sessions_mx', ['mx_host', 'opened_us']],
  ['sessions', 'sessions_egress', ['egress_address', 'opened_us']],
  ['transactions', 'transactions_completed', ['completed_us']],
  ['transactions', 'transactions_domain', ['dest_domain', 'completed_us']],
  ['transactions', 'transactions_mx', ['mx_host', 'completed_us']],
  ['transactions', 'transactions_egress', ['egress_address', 'completed_us']],
  ['transactions', 'transactions_sender', ['sender_domain', 'completed_us']],
  ['transactions', 'transactions_reply', ['reply_code', 'completed_us']],
  ['recipients', 'recipients_domain', ['domain']],
  ['recipients', 'recipients_reply', ['reply_code']],
  ['exchanges', 'exchanges_session', ['node_id', 'session_id']],
  ['exchanges', 'exchanges_at', ['at_us']],
  ['exchanges', 'exchanges_domain', ['dest_domain', 'verb', 'latency_bucket', 'at_us']],
  ['exchanges', 'exchanges_mx', ['mx_host', 'verb', 'latency_bucket', 'at_us']],
  ['tls_results', 'tls_results_session', ['node_id', 'session_id']],
  ['tls_results', 'tls_results_at', ['at_us']],
  ['warp_batches', 'warp_batches_written', ['written_us']],
];

async function createIndexes(db: Kysely<unknown>): Promise<void> {
  const flavor = flavorOf(db);
  for (const [table, name, columns] of INDEXES) {
    // MySQL has no CREATE INDEX IF NOT EXISTS (MariaDB has); the migration lock makes it run once.
    const index = db.schema.createIndex(name).on(table).columns(columns);
    await (flavor === 'sqlite' ? index.ifNotExists() : index).execute();
  }
}

/** The store's migrations, in order. Names never change once released. */
export const STORE_MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001_initial': { up: createInitialSchema },
  '0002_summary_rollups': { up: rollupTables },
  '0003_message_captures': { up: captureTables },
  '0004_go_warp_views': { up: goWarpViews },
};

/**
 * Bring a store's schema to the latest version. Safe to run from several
 * processes at once on MySQL/MariaDB (kysely's migration lock, taken with
 * `SELECT ... FOR UPDATE`); on SQLite one process owns a file.
 *
 * @throws WarpError `WARP_ERR_STORE_MIGRATION` naming the migration that failed.
 */
export async function migrateToLatest(db: Kysely<unknown>): Promise<MigrationResultSet> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => ({ ...STORE_MIGRATIONS }) },
    migrationTableName: 'warp_migrations',
    migrationLockTableName: 'warp_migrations_lock',
  });
  const result = await migrator.migrateToLatest();
  if (result.error !== undefined) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? 'setup';
    throw new WarpError(
      'WARP_ERR_STORE_MIGRATION',
      `[warp] [store-sql] migration ${failed} failed: ${String((result.error as Error)?.message ?? result.error)}; check the database user may create tables and indexes`,
      { cause: result.error },
    );
  }
  return result;
}
