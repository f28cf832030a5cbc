import type { Flavor } from './flavor';

/** `insert`, `insert or ignore` (keyed rows: the first copy wins), or the table's upsert. */
export type Mode = 'insert' | 'ignore' | 'upsert';

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

/** The primary key each upserting table conflicts on. */
const CONFLICT_KEYS: Readonly<Record<string, readonly string[]>> = {
  sessions: ['node_id', 'session_id'],
  rollup_latency: ['dimension', 'minute_us', 'group_key', 'verb', 'latency_bucket', 'node_id'],
  rollup_outcomes: ['dimension', 'minute_us', 'group_key', 'outcome', 'node_id'],
};

function upsertClause(flavor: Flavor, table: string, q: (name: string) => string): string {
  const fresh = (c: string) => (flavor === 'sqlite' ? `excluded.${q(c)}` : `values(${q(c)})`);
  // A session's columns arrive over several batches (opened, greeting, TLS,
  // closed): each upsert sets what it knows and keeps what is already there.
  // A rollup row adds the batch's counts to the minute's.
  const set =
    table === 'sessions'
      ? SESSION_COLUMNS.map((c) => `${q(c)} = coalesce(${fresh(c)}, ${q(table)}.${q(c)})`)
      : [`${q('n')} = ${q(table)}.${q('n')} + ${fresh('n')}`];
  const keys = CONFLICT_KEYS[table];
  if (keys === undefined) throw new Error(`[warp] [store-sql] no upsert for table ${table}`);
  return flavor === 'sqlite'
    ? ` on conflict (${keys.map(q).join(', ')}) do update set ${set.join(', ')}`
    : ` on duplicate key update ${set.join(', ')}`;
}

const statements = new Map<string, string>();

/**
 * The text of a (multi-row) INSERT, built once per shape and cached. Batches
 * are written with these texts directly rather than through kysely's query
 * builder: building and compiling an AST of thousands of values per
 * statement cost more than the database's own work (measured in the bench).
 */
export function insertStatement(
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
  if (mode === 'upsert') text += upsertClause(flavor, table, q);
  if (statements.size > 1000) statements.clear();
  statements.set(key, text);
  return text;
}
