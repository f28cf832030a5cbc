import type { StoreDatabase } from '../schema';
import type { BatchRows } from './event-rows';
import type { Mode } from './insert-statement';

/** Rows per INSERT statement: under SQLite's 32766 bound variables and MySQL's packet size. */
const CHUNK = 500;

/** A row as the tables take it. */
export type Row = object;

/** One table's rows of a batch, in the order a batch writes them. */
export interface TableRows {
  table: keyof StoreDatabase;
  rows: readonly Row[];
  mode: Mode;
  /** Rows per statement at most (captured messages: one, they can be megabytes). */
  chunk: number;
}

/** The tables a batch writes, in order, after its `warp_batches` marker. */
export function tablesOf(rows: BatchRows): TableRows[] {
  return [
    { table: 'sessions', rows: [...rows.sessions.values()], mode: 'upsert', chunk: CHUNK },
    // Keyed rows are "insert or ignore": a duplicate delivery keeps the first copy.
    { table: 'transactions', rows: rows.transactions, mode: 'ignore', chunk: CHUNK },
    { table: 'recipients', rows: rows.recipients, mode: 'ignore', chunk: CHUNK },
    { table: 'exchanges', rows: rows.exchanges, mode: 'insert', chunk: CHUNK },
    { table: 'tls_results', rows: rows.tlsResults, mode: 'insert', chunk: CHUNK },
    { table: 'message_captures', rows: rows.captures, mode: 'ignore', chunk: 1 },
    { table: 'rollup_latency', rows: rows.latency, mode: 'upsert', chunk: CHUNK },
    { table: 'rollup_outcomes', rows: rows.outcomes, mode: 'upsert', chunk: CHUNK },
  ];
}

/**
 * The `warp_batches` row of a batch, written first: when it exists already
 * ("insert or ignore" changed nothing) the batch was written before.
 */
export function markerTable(batch: { id: string; nodeId: string }): TableRows {
  const row = { batch_id: batch.id, node_id: batch.nodeId, written_us: Date.now() * 1000 };
  return { table: 'warp_batches', rows: [row], mode: 'ignore', chunk: 1 };
}
