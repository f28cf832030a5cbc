import { CompiledQuery, type Kysely, type QueryResult, type Transaction } from 'kysely';
import type { StoreDatabase } from '../schema';
import { fitRow } from './column-widths';
import type { BatchRows } from './event-rows';
import { type Flavor, flavorOf } from './flavor';

/** Rows per INSERT statement: under SQLite's 32766 bound variables and MySQL's packet size. */
const CHUNK = 500;

type Row = object;
type Mode = 'insert' | 'ignore' | 'upsert-session';

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

const statements = new Map<string, string>();

/**
 * The text of a multi-row INSERT, built once per shape and cached. Batches
 * are written with these texts directly rather than through kysely's query
 * builder: building and compiling an AST of thousands of values per
 * statement cost more than the database's own work (measured in the bench).
 */
function statement(
  flavor: Flavor,
  table: string,
  columns: readonly string[],
  rows: number,
  mode: Mode,
): string {
  const key = `${flavor}|${mode}|${table}|${rows}|${columns.join(',')}`;
  let text = statements.get(key);
  if (text !== undefined) return text;
  const q = (name: string) => (flavor === 'mysql' ? `\`${name}\`` : `"${name}"`);
  const verb =
    mode !== 'ignore'
      ? 'insert into'
      : flavor === 'sqlite'
        ? 'insert or ignore into'
        : 'insert ignore into';
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  text = `${verb} ${q(table)} (${columns.map(q).join(', ')}) values ${Array(rows).fill(tuple).join(', ')}`;
  if (mode === 'upsert-session') {
    // A session's columns arrive over several batches (opened, greeting, TLS,
    // closed): each upsert sets what it knows and keeps what is already there.
    const fresh = (c: string) => (flavor === 'sqlite' ? `excluded.${q(c)}` : `values(${q(c)})`);
    const set = SESSION_COLUMNS.map(
      (c) => `${q(c)} = coalesce(${fresh(c)}, ${q(table)}.${q(c)})`,
    ).join(', ');
    text +=
      flavor === 'sqlite'
        ? ` on conflict (node_id, session_id) do update set ${set}`
        : ` on duplicate key update ${set}`;
  }
  if (statements.size > 1000) statements.clear();
  statements.set(key, text);
  return text;
}

/** Insert rows in statement-sized chunks, each value cut to its column's width; returns rows affected. */
async function insertRows(
  trx: Transaction<StoreDatabase>,
  flavor: Flavor,
  table: keyof StoreDatabase,
  rows: readonly Row[],
  mode: Mode,
): Promise<number> {
  let affected = 0;
  for (let i = 0; i < rows.length; i += CHUNK) {
    const chunk = rows.slice(i, i + CHUNK).map(fitRow) as Record<string, unknown>[];
    const columns = Object.keys(chunk[0] ?? {});
    const parameters: unknown[] = [];
    for (const row of chunk) for (const column of columns) parameters.push(row[column] ?? null);
    const text = statement(flavor, table, columns, chunk.length, mode);
    const result: QueryResult<unknown> = await trx.executeQuery(
      CompiledQuery.raw(text, parameters),
    );
    affected += Number(result.numAffectedRows ?? 0n);
  }
  return affected;
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
    if ((await insertRows(trx, flavor, 'warp_batches', [marker], 'ignore')) === 0) return false;
    const { rows } = batch;
    await insertRows(trx, flavor, 'sessions', [...rows.sessions.values()], 'upsert-session');
    // Keyed rows are "insert or ignore": a duplicate delivery keeps the first copy.
    await insertRows(trx, flavor, 'transactions', rows.transactions, 'ignore');
    await insertRows(trx, flavor, 'recipients', rows.recipients, 'ignore');
    await insertRows(trx, flavor, 'exchanges', rows.exchanges, 'insert');
    await insertRows(trx, flavor, 'tls_results', rows.tlsResults, 'insert');
    return true;
  });
}
