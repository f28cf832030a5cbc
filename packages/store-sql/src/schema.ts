/**
 * The tables of a warp store, as kysely types. Both dialects hold the same
 * meaning: times are integer microseconds since the Unix epoch (`*_us`,
 * BIGINT), durations are milliseconds as doubles (`*_ms`), booleans are
 * 0/1 small integers.
 *
 * @packageDocumentation
 */
import type { Generated } from 'kysely';

/** One relayed connection (`session.opened` ... `session.closed`). */
export interface SessionsTable {
  node_id: string;
  session_id: string;
  opened_us: number | null;
  closed_us: number | null;
  client_address: string | null;
  client_port: number | null;
  destination_address: string | null;
  destination_port: number | null;
  egress_address: string | null;
  egress_port: number | null;
  /** Host name the server gave in its greeting (`220 mx.example.net ESMTP`), when it gave one. */
  mx_host: string | null;
  /** The domain of `mx_host` (its last two labels, three under a two-letter public suffix). */
  dest_domain: string | null;
  close_reason: string | null;
  error_code: string | null;
  error_message: string | null;
  tls_protocol: string | null;
  tls_cipher: string | null;
  tls_verified: number | null;
  bytes_from_client: number | null;
  bytes_to_client: number | null;
  bytes_from_server: number | null;
  bytes_to_server: number | null;
  total_ms: number | null;
  connect_ms: number | null;
  connect_to_354_ms: number | null;
  tls_handshake_ms: number | null;
  transactions: number | null;
}

/** One mail transaction (`transaction.completed`). */
export interface TransactionsTable {
  node_id: string;
  session_id: string;
  txn_no: number;
  completed_us: number;
  sender: string;
  sender_domain: string;
  recipient_count: number;
  size: number;
  outcome: string;
  reply_code: number;
  reply_enhanced: string | null;
  reply_text: string;
  decided_by: string;
  plugin: string | null;
  duration_ms: number;
  dest_domain: string | null;
  mx_host: string | null;
  egress_address: string | null;
}

/** One recipient of a transaction and its reply. */
export interface RecipientsTable {
  node_id: string;
  session_id: string;
  txn_no: number;
  position: number;
  address: string;
  domain: string;
  reply_code: number;
  reply_enhanced: string | null;
  reply_text: string;
}

/** One command and the reply that answered it (`reply.received`), in order. */
export interface ExchangesTable {
  id: Generated<number>;
  node_id: string;
  session_id: string;
  /** When the reply completed. */
  at_us: number;
  mono_ms: number;
  txn_no: number | null;
  /** `null` for the greeting. */
  verb: string | null;
  command: string | null;
  command_us: number | null;
  reply_code: number;
  reply_enhanced: string | null;
  reply_text: string;
  latency_ms: number;
  /** Log-scale bucket of `latency_ms` (see `latencyBucket`), for fast percentiles. */
  latency_bucket: number;
  dest_domain: string | null;
  mx_host: string | null;
  egress_address: string | null;
  sender_domain: string | null;
}

/** One STARTTLS outcome (`tls.upgraded` or `tls.failed`). */
export interface TlsResultsTable {
  id: Generated<number>;
  node_id: string;
  session_id: string;
  at_us: number;
  ok: number;
  stage: string | null;
  protocol: string | null;
  cipher: string | null;
  verified: number | null;
  verify_error: string | null;
  handshake_ms: number | null;
  cert_subject: string | null;
  cert_issuer: string | null;
  cert_san: string | null;
  cert_valid_from: string | null;
  cert_valid_to: string | null;
  cert_fingerprint: string | null;
  reason: string | null;
  error_code: string | null;
  continued_plaintext: number | null;
}

/** One row per written batch: makes a replayed batch a no-op (exactly once). */
export interface WarpBatchesTable {
  batch_id: string;
  node_id: string;
  written_us: number;
}

/** The summary dimensions: each is the name of the column it groups by. */
export type RollupDimension = 'dest_domain' | 'mx_host' | 'egress_address' | 'sender_domain';

/**
 * Exchanges counted per minute, summary dimension, group, verb and latency
 * bucket, kept by the writer in each batch's transaction: the summaries read
 * this instead of scanning `exchanges`. One row set per node, so nodes
 * writing one MySQL never update the same rows.
 */
export interface RollupLatencyTable {
  dimension: RollupDimension;
  /** Start of the minute, µs since the epoch (of the reply's `at`). */
  minute_us: number;
  /** The domain, MX host or address (cut to the source column's width). */
  group_key: string;
  /** `''` for the greeting. */
  verb: string;
  latency_bucket: number;
  node_id: string;
  n: number;
}

/** Transactions counted per minute (of `completed_us`), summary dimension, group and outcome. */
export interface RollupOutcomesTable {
  dimension: RollupDimension;
  minute_us: number;
  group_key: string;
  outcome: string;
  node_id: string;
  n: number;
}

/**
 * The captured message of a transaction (privacy level `headers` or `full`),
 * only when the event carried one.
 */
export interface MessageCapturesTable {
  node_id: string;
  session_id: string;
  txn_no: number;
  /** JSON array of `{ name, value }`, the headers the privacy level kept; `null` when none. */
  headers: string | null;
  /** The message (level `full`), `null` otherwise. */
  content: string | null;
  /** 1 when the relay stopped capturing at its size limit. */
  content_truncated: number;
}

/** View `go_warp_connections`: a session as Go WARP's `connections` table had it. */
export interface GoWarpConnectionsView {
  id: string;
  mail_from: string | null;
  mail_to: string | null;
  /** UTC: a `Date` on MySQL, `YYYY-MM-DD HH:MM:SS.SSS` text on SQLite. */
  occurred_at: Date | string;
  elapsed_seconds: number | null;
  node_id: string;
}

/** View `go_warp_communications`: a command (`->`) or reply (`<-`) as Go WARP's `communications` table had it. */
export interface GoWarpCommunicationsView {
  id: string;
  connection_id: string;
  direction: '->' | '<-';
  data: string;
  occurred_at: Date | string;
  node_id: string;
}

/** The whole store, for `Kysely<StoreDatabase>`. */
export interface StoreDatabase {
  sessions: SessionsTable;
  transactions: TransactionsTable;
  recipients: RecipientsTable;
  exchanges: ExchangesTable;
  tls_results: TlsResultsTable;
  warp_batches: WarpBatchesTable;
  rollup_latency: RollupLatencyTable;
  rollup_outcomes: RollupOutcomesTable;
  message_captures: MessageCapturesTable;
  go_warp_connections: GoWarpConnectionsView;
  go_warp_communications: GoWarpCommunicationsView;
}
