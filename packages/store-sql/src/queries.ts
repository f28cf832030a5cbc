import type { Kysely, Selectable } from 'kysely';
import { type TimeInput, toMicros } from './internal/time-range';
import type { ExchangesTable, SessionsTable, StoreDatabase, TransactionsTable } from './schema';

/** A stored session, as the `sessions` table holds it. */
export type SessionRecord = Selectable<SessionsTable>;
/** A stored transaction, as the `transactions` table holds it. */
export type TransactionRecord = Selectable<TransactionsTable>;
/** A stored exchange (command and reply), as the `exchanges` table holds it. */
export type ExchangeRecord = Selectable<ExchangesTable>;

/** Filters shared by the session and transaction queries; all optional, combined with AND. */
export interface StoreFilter {
  /** Only from this time on (inclusive). */
  since?: TimeInput;
  /** Only before this time (exclusive). */
  until?: TimeInput;
  /** One warp node. */
  nodeId?: string;
  /** Destination domain, e.g. `google.com` (from the MX greeting). */
  destDomain?: string;
  /** MX host name as the server announced it. */
  mxHost?: string;
  /** Egress (source) address. */
  egressAddress?: string;
  /** Newest first, at most this many (default 100, at most 10000). */
  limit?: number;
}

/** {@link StoreFilter} plus what only transactions have. */
export interface TransactionFilter extends StoreFilter {
  /** Sender domain (`''` for the null sender). */
  senderDomain?: string;
  /** One outcome. */
  outcome?: 'delivered' | 'deferred' | 'bounced' | 'rejected';
  /** The final reply code, e.g. `421`. */
  replyCode?: number;
}

const limitOf = (filter: StoreFilter) => Math.min(Math.max(1, filter.limit ?? 100), 10_000);

/**
 * Sessions matching a filter, newest first.
 *
 * @example
 * ```ts
 * await findSessions(db, { mxHost: 'gmail-smtp-in.l.google.com', since: Date.now() - 3_600_000 });
 * ```
 */
export async function findSessions(
  db: Kysely<StoreDatabase>,
  filter: StoreFilter = {},
): Promise<SessionRecord[]> {
  let query = db.selectFrom('sessions').selectAll();
  if (filter.since !== undefined) query = query.where('opened_us', '>=', toMicros(filter.since));
  if (filter.until !== undefined) query = query.where('opened_us', '<', toMicros(filter.until));
  if (filter.nodeId !== undefined) query = query.where('node_id', '=', filter.nodeId);
  if (filter.destDomain !== undefined) query = query.where('dest_domain', '=', filter.destDomain);
  if (filter.mxHost !== undefined) query = query.where('mx_host', '=', filter.mxHost);
  if (filter.egressAddress !== undefined)
    query = query.where('egress_address', '=', filter.egressAddress);
  return query.orderBy('opened_us', 'desc').limit(limitOf(filter)).execute();
}

/**
 * Transactions matching a filter, newest first: "every deferral from Gmail's
 * MX in the last hour, with its egress address".
 *
 * @example
 * ```ts
 * await findTransactions(db, { destDomain: 'google.com', outcome: 'deferred', since: Date.now() - 3_600_000 });
 * ```
 */
export async function findTransactions(
  db: Kysely<StoreDatabase>,
  filter: TransactionFilter = {},
): Promise<TransactionRecord[]> {
  let query = db.selectFrom('transactions').selectAll();
  if (filter.since !== undefined) query = query.where('completed_us', '>=', toMicros(filter.since));
  if (filter.until !== undefined) query = query.where('completed_us', '<', toMicros(filter.until));
  if (filter.nodeId !== undefined) query = query.where('node_id', '=', filter.nodeId);
  if (filter.destDomain !== undefined) query = query.where('dest_domain', '=', filter.destDomain);
  if (filter.mxHost !== undefined) query = query.where('mx_host', '=', filter.mxHost);
  if (filter.egressAddress !== undefined)
    query = query.where('egress_address', '=', filter.egressAddress);
  if (filter.senderDomain !== undefined)
    query = query.where('sender_domain', '=', filter.senderDomain);
  if (filter.outcome !== undefined) query = query.where('outcome', '=', filter.outcome);
  if (filter.replyCode !== undefined) query = query.where('reply_code', '=', filter.replyCode);
  return query.orderBy('completed_us', 'desc').limit(limitOf(filter)).execute();
}

/** Every exchange of one session, in order. */
export async function findExchanges(
  db: Kysely<StoreDatabase>,
  session: { nodeId: string; sessionId: string },
): Promise<ExchangeRecord[]> {
  return db
    .selectFrom('exchanges')
    .selectAll()
    .where('node_id', '=', session.nodeId)
    .where('session_id', '=', session.sessionId)
    .orderBy('id')
    .execute();
}
