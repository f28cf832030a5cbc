import type {
  ReplyReceivedEvent,
  SessionClosedEvent,
  SessionOpenedEvent,
  TlsFailedEvent,
  TlsUpgradedEvent,
  TransactionCompletedEvent,
  WarpEvent,
} from '@warp/hooks';
import { latencyBucket } from '../latency-bucket';
import type {
  ExchangesTable,
  MessageCapturesTable,
  RecipientsTable,
  RollupLatencyTable,
  RollupOutcomesTable,
  SessionsTable,
  TlsResultsTable,
  TransactionsTable,
} from '../schema';
import { domainOf, domainOfHost, hostFromGreeting, senderOfMailLine } from './address';
import { microsOf } from './iso-micros';
import { RollupCounts } from './rollup-counts';
import type { SessionMemo } from './session-memo';

type Insert<T> = {
  [K in keyof T]: T[K] extends import('kysely').Generated<unknown> ? never : T[K];
};

/** The rows one batch of events becomes. */
export interface BatchRows {
  sessions: Map<string, SessionsTable>;
  transactions: TransactionsTable[];
  recipients: RecipientsTable[];
  exchanges: Omit<Insert<ExchangesTable>, 'id'>[];
  tlsResults: Omit<Insert<TlsResultsTable>, 'id'>[];
  /** Per-minute counts the batch adds to `rollup_latency`. */
  latency: RollupLatencyTable[];
  /** Per-minute counts the batch adds to `rollup_outcomes`. */
  outcomes: RollupOutcomesTable[];
  /** Captured messages (only where the privacy level left one on the event). */
  captures: MessageCapturesTable[];
}

/**
 * A session row with every column: a literal, not a spread of a template
 * (object spread into a literal with more fields is V8's slow path, and this
 * runs for every session of every batch).
 */
function emptySession(node_id: string, session_id: string): SessionsTable {
  return {
    node_id,
    session_id,
    opened_us: null,
    closed_us: null,
    client_address: null,
    client_port: null,
    destination_address: null,
    destination_port: null,
    egress_address: null,
    egress_port: null,
    mx_host: null,
    dest_domain: null,
    close_reason: null,
    error_code: null,
    error_message: null,
    tls_protocol: null,
    tls_cipher: null,
    tls_verified: null,
    bytes_from_client: null,
    bytes_to_client: null,
    bytes_from_server: null,
    bytes_to_server: null,
    total_ms: null,
    connect_ms: null,
    connect_to_354_ms: null,
    tls_handshake_ms: null,
    transactions: null,
  };
}

const flag = (value: boolean) => (value ? 1 : 0);

/**
 * Fold a batch of events into rows. Session columns from several events of
 * the same batch merge into one row (written as an upsert that keeps what
 * earlier batches set). `memo` carries what later rows of a session repeat
 * (destination domain, MX, egress, current sender domain) across batches.
 */
export function eventRows(events: readonly WarpEvent[], memo: SessionMemo): BatchRows {
  const rows: BatchRows = {
    sessions: new Map(),
    transactions: [],
    recipients: [],
    exchanges: [],
    tlsResults: [],
    latency: [],
    outcomes: [],
    captures: [],
  };
  const rollups = new RollupCounts();
  const patch = (node_id: string, session_id: string, fields: Partial<SessionsTable>) => {
    const key = `${node_id}\u0000${session_id}`;
    const row = rows.sessions.get(key) ?? emptySession(node_id, session_id);
    rows.sessions.set(key, Object.assign(row, fields));
  };
  for (const event of events) {
    switch (event.type) {
      case 'session.opened':
        patch(event.nodeId, event.sessionId, opened(event));
        memo.open(event.nodeId, event.sessionId, event.egress.address);
        break;
      case 'reply.received':
        exchange(event, memo, rows, rollups, patch);
        break;
      case 'tls.upgraded':
      case 'tls.failed':
        rows.tlsResults.push(tlsResult(event));
        if (event.type === 'tls.upgraded') {
          patch(event.nodeId, event.sessionId, {
            tls_protocol: event.protocol,
            tls_cipher: event.cipher,
            tls_verified: flag(event.verified),
            tls_handshake_ms: event.handshakeMs,
          });
        }
        break;
      case 'transaction.completed':
        transaction(event, memo, rows, rollups);
        break;
      case 'session.closed':
        patch(event.nodeId, event.sessionId, closed(event));
        memo.close(event.nodeId, event.sessionId);
        break;
      default:
        // Notices (plugin.slow, ...) are about plugins, not mail: not stored.
        break;
    }
  }
  rows.latency = rollups.latencyRows();
  rows.outcomes = rollups.outcomeRows();
  return rows;
}

function opened(event: SessionOpenedEvent): Partial<SessionsTable> {
  return {
    opened_us: microsOf(event.at),
    client_address: event.client.address,
    client_port: event.client.port,
    destination_address: event.destination.address,
    destination_port: event.destination.port,
    egress_address: event.egress.address,
    egress_port: event.egress.port,
  };
}

function closed(event: SessionClosedEvent): Partial<SessionsTable> {
  return {
    closed_us: microsOf(event.at),
    close_reason: event.reason,
    error_code: event.error?.code ?? null,
    error_message: event.error?.message ?? null,
    bytes_from_client: event.bytes.fromClient,
    bytes_to_client: event.bytes.toClient,
    bytes_from_server: event.bytes.fromServer,
    bytes_to_server: event.bytes.toServer,
    total_ms: event.durations.totalMs,
    connect_ms: event.durations.connectMs,
    connect_to_354_ms: event.durations.connectTo354Ms,
    tls_handshake_ms: event.durations.tlsHandshakeMs,
    transactions: event.transactions,
  };
}

function exchange(
  event: ReplyReceivedEvent,
  memo: SessionMemo,
  rows: BatchRows,
  rollups: RollupCounts,
  patch: (node: string, session: string, fields: Partial<SessionsTable>) => void,
): void {
  const state = memo.get(event.nodeId, event.sessionId);
  const command = event.command;
  if (command === null) {
    const mx = hostFromGreeting(event.reply.text);
    if (mx !== null) {
      state.mxHost = mx;
      state.destDomain = domainOfHost(mx);
      patch(event.nodeId, event.sessionId, { mx_host: mx, dest_domain: state.destDomain });
    }
  } else if (command.verb === 'MAIL') {
    const sender = senderOfMailLine(command.line);
    if (sender !== null) state.senderDomain = domainOf(sender);
  } else if (command.verb === 'RSET') {
    state.senderDomain = null;
  }
  const atUs = microsOf(event.at);
  const bucket = latencyBucket(event.latencyMs);
  rows.exchanges.push({
    node_id: event.nodeId,
    session_id: event.sessionId,
    at_us: atUs,
    mono_ms: event.monotonicMs,
    txn_no: event.transaction,
    verb: command?.verb ?? null,
    command: command?.line ?? null,
    command_us: command ? microsOf(command.at) : null,
    reply_code: event.reply.code,
    reply_enhanced: event.reply.enhanced ?? null,
    reply_text: event.reply.text,
    latency_ms: event.latencyMs,
    latency_bucket: bucket,
    dest_domain: state.destDomain,
    mx_host: state.mxHost,
    egress_address: state.egressAddress,
    sender_domain: state.senderDomain,
  });
  rollups.exchange(event.nodeId, atUs, command?.verb ?? '', bucket, state);
}

function transaction(
  event: TransactionCompletedEvent,
  memo: SessionMemo,
  rows: BatchRows,
  rollups: RollupCounts,
): void {
  const state = memo.get(event.nodeId, event.sessionId);
  // Literal rows, no spreads (see emptySession).
  const { nodeId: node_id, sessionId: session_id, transaction: txn_no } = event;
  const row: TransactionsTable = {
    node_id,
    session_id,
    txn_no,
    completed_us: microsOf(event.at),
    sender: event.sender,
    sender_domain: domainOf(event.sender),
    recipient_count: event.recipients.length,
    size: event.size,
    outcome: event.outcome,
    reply_code: event.finalReply.code,
    reply_enhanced: event.finalReply.enhanced ?? null,
    reply_text: event.finalReply.text,
    decided_by: event.decidedBy,
    plugin: event.plugin ?? null,
    duration_ms: event.durationMs,
    dest_domain: state.destDomain,
    mx_host: state.mxHost,
    egress_address: state.egressAddress,
  };
  rows.transactions.push(row);
  rollups.outcome(row.node_id, row.completed_us, row.outcome, {
    destDomain: row.dest_domain,
    mxHost: row.mx_host,
    egressAddress: row.egress_address,
    senderDomain: row.sender_domain,
  });
  const message = event.message;
  if (message !== undefined) {
    const headers = message.headers ?? [];
    rows.captures.push({
      node_id,
      session_id,
      txn_no,
      headers:
        headers.length === 0
          ? null
          : JSON.stringify(headers.map((h) => ({ name: h.name, value: h.value }))),
      content: message.content ?? null,
      content_truncated: flag(message.contentTruncated === true),
    });
  }
  event.recipients.forEach((recipient, position) => {
    rows.recipients.push({
      node_id,
      session_id,
      txn_no,
      position,
      address: recipient.address,
      domain: domainOf(recipient.address),
      reply_code: recipient.reply.code,
      reply_enhanced: recipient.reply.enhanced ?? null,
      reply_text: recipient.reply.text,
    });
  });
  state.senderDomain = null;
}

function tlsResult(event: TlsUpgradedEvent | TlsFailedEvent): BatchRows['tlsResults'][number] {
  // Literal rows, no spreads (see emptySession).
  const node_id = event.nodeId;
  const session_id = event.sessionId;
  const at_us = microsOf(event.at);
  if (event.type === 'tls.failed') {
    return {
      node_id,
      session_id,
      at_us,
      ok: 0,
      stage: event.stage,
      reason: event.reason,
      error_code: event.errorCode,
      continued_plaintext: flag(event.continuedInPlaintext),
      protocol: null,
      cipher: null,
      verified: null,
      verify_error: null,
      handshake_ms: null,
      cert_subject: null,
      cert_issuer: null,
      cert_san: null,
      cert_valid_from: null,
      cert_valid_to: null,
      cert_fingerprint: null,
    };
  }
  const cert = event.certificate;
  return {
    node_id,
    session_id,
    at_us,
    ok: 1,
    stage: null,
    reason: null,
    error_code: null,
    continued_plaintext: null,
    protocol: event.protocol,
    cipher: event.cipher,
    verified: flag(event.verified),
    verify_error: event.verifyError,
    handshake_ms: event.handshakeMs,
    cert_subject: cert?.subject ?? null,
    cert_issuer: cert?.issuer ?? null,
    cert_san: cert ? cert.subjectAltNames.join(', ') : null,
    cert_valid_from: cert?.validFrom ?? null,
    cert_valid_to: cert?.validTo ?? null,
    cert_fingerprint: cert?.fingerprint256 ?? null,
  };
}
