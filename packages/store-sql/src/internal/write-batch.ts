import { type Insertable, type InsertResult, type Kysely, sql, type Transaction } from 'kysely';
import type { StoreDatabase } from '../schema';
import { fitRow } from './column-widths';
import type { BatchRows } from './event-rows';
import { type Flavor, flavorOf, inserted } from './flavor';

/** Rows per INSERT statement: under SQLite's 32766 bound variables and MySQL's packet size. */
const CHUNK = 500;

/** Rows in statement-sized groups, each value cut to its column's width. */
function chunks<T extends object>(rows: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += CHUNK) out.push(rows.slice(i, i + CHUNK).map(fitRow));
  return out;
}

/**
 * Write one batch in one database transaction, with a row in `warp_batches`
 * first: when that row already exists the batch was written before (a replay
 * after a lost acknowledgement) and nothing else is written. Returns whether
 * the batch was new.
 */
export async function writeBatch(
  db: Kysely<StoreDatabase>,
  batch: { id: string; nodeId: string; rows: BatchRows },
): Promise<boolean> {
  const flavor = flavorOf(db as Kysely<unknown>);
  return db.transaction().execute(async (trx) => {
    const marker = { batch_id: batch.id, node_id: batch.nodeId, written_us: Date.now() * 1000 };
    const result = await insertIgnore(trx, flavor, 'warp_batches', [marker]);
    if (Number(result.numInsertedOrUpdatedRows ?? 0n) === 0) return false;
    await writeRows(trx, flavor, batch.rows);
    return true;
  });
}

async function insertIgnore<T extends 'warp_batches' | 'transactions' | 'recipients'>(
  trx: Transaction<StoreDatabase>,
  flavor: Flavor,
  table: T,
  rows: readonly Insertable<StoreDatabase[T]>[],
): Promise<InsertResult> {
  const insert = trx.insertInto(table).values(rows as never);
  return (
    flavor === 'sqlite' ? insert.onConflict((oc) => oc.doNothing()) : insert.ignore()
  ).executeTakeFirst();
}

async function writeRows(trx: Transaction<StoreDatabase>, flavor: Flavor, rows: BatchRows) {
  for (const part of chunks([...rows.sessions.values()])) await upsertSessions(trx, flavor, part);
  // Keyed rows are "insert or ignore": a duplicate delivery keeps the first copy.
  for (const part of chunks(rows.transactions))
    await insertIgnore(trx, flavor, 'transactions', part);
  for (const part of chunks(rows.recipients)) await insertIgnore(trx, flavor, 'recipients', part);
  for (const part of chunks(rows.exchanges))
    await trx.insertInto('exchanges').values(part).execute();
  for (const part of chunks(rows.tlsResults))
    await trx.insertInto('tls_results').values(part).execute();
}

const SESSION_COLUMNS = [
  'opened_us',
  'closed_us',
  'client_address',
  'client_port',
  'destination_address',
  'destination_port',
  'egress_address',
  'egress_port',
  'mx_host',
  'dest_domain',
  'close_reason',
  'error_code',
  'error_message',
  'tls_protocol',
  'tls_cipher',
  'tls_verified',
  'bytes_from_client',
  'bytes_to_client',
  'bytes_from_server',
  'bytes_to_server',
  'total_ms',
  'connect_ms',
  'connect_to_354_ms',
  'tls_handshake_ms',
  'transactions',
] as const;

async function upsertSessions(
  trx: Transaction<StoreDatabase>,
  flavor: Flavor,
  rows: StoreDatabase['sessions'][],
): Promise<void> {
  // A session's columns arrive over several batches (opened, greeting, TLS,
  // closed): each upsert sets what it knows and keeps what is already there.
  const set = Object.fromEntries(
    SESSION_COLUMNS.map((column) => [
      column,
      sql`coalesce(${inserted(flavor, column)}, ${sql.ref(`sessions.${column}`)})`,
    ]),
  );
  const insert = trx.insertInto('sessions').values(rows);
  await (flavor === 'sqlite'
    ? insert.onConflict((oc) => oc.columns(['node_id', 'session_id']).doUpdateSet(set))
    : insert.onDuplicateKeyUpdate(set)
  ).execute();
}
