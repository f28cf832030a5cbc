import type {
  Instant,
  ReceivedReply,
  RecipientResult,
  Reply,
  ReplySource,
  SessionEvent,
  TransactionOutcome,
} from '@warp/hooks';
import type { Reply as ParsedReply } from '@warp/smtp-parser';
import { ALL_EVENTS, type EventWants } from './event-wants';
import { instant } from './instant';
import type { MessageCapture } from './message-capture';
import { toReceivedReply } from './received-reply';

/** A command sent (or answered locally) and not yet answered: one FIFO slot. */
export interface PendingCommand {
  readonly verb: string;
  readonly line: string;
  /** The path of MAIL FROM / RCPT TO, as the parser read it. */
  readonly path?: string;
  /** A reply warp gives itself (the MX never sees the command). */
  readonly local?: ParsedReply;
  /** Who gave {@link local}: warp (`relay`, default) or a decider (`plugin`). */
  readonly source?: ReplySource;
  /** Sent by warp itself (RSET after a refused transaction): its reply never reaches the MTA. */
  readonly silent?: boolean;
  /** DATA warp sent for a message `beforeRelay` let through (the MTA already had its 354). */
  readonly held?: boolean;
  /** The plugin whose decider gave {@link local}. */
  readonly plugin?: string;
  readonly sent: Instant;
  readonly transaction: TransactionRecord | null;
}

/** What the tracker knows about one mail transaction so far. */
export interface TransactionRecord {
  readonly number: number;
  readonly sender: string;
  readonly startedMs: number;
  readonly recipients: RecipientResult[];
  size: number;
  mailReply: Reply | null;
  /** Its end of data (`.` or `BDAT … LAST`) was sent: only that reply ends it now. */
  ending: boolean;
  /** `transaction.completed` was emitted. */
  done: boolean;
  /** Replies of this transaction that a plugin's decider gave, with the plugin's name when known. */
  readonly pluginReplies: Map<Reply, string | undefined>;
  /** Time the message was held for the `beforeRelay` deciders, once they decided. */
  heldMs: number | undefined;
}

const NO_LINES: readonly string[] = [];

const isLastChunk = (bdatLine: string) => /\sLAST\s*$/i.test(bdatLine);

/** Outcome of a transaction that ended without a reply to its end of data. */
function outcomeBeforeData(record: TransactionRecord): {
  outcome: TransactionOutcome;
  reply: Reply | null;
} {
  const mail = record.mailReply;
  if (mail && mail.code >= 400)
    return { outcome: mail.code >= 500 ? 'rejected' : 'deferred', reply: mail };
  const accepted = record.recipients.filter((r) => r.reply.code < 400);
  if (accepted.length > 0 || record.recipients.length === 0)
    return { outcome: 'deferred', reply: null };
  const temporary = record.recipients.find((r) => r.reply.code < 500);
  const last = record.recipients[record.recipients.length - 1] as RecipientResult;
  return { outcome: temporary ? 'deferred' : 'rejected', reply: (temporary ?? last).reply };
}

/**
 * Matches replies to the commands they answer (a FIFO, RFC 2920) and follows
 * each transaction, emitting `reply.received` and `transaction.completed`.
 */
export class ExchangeTracker {
  readonly fifo: PendingCommand[] = [];
  transactions = 0;
  #current: TransactionRecord | null = null;
  /** Transactions whose end-of-data reply is outstanding behind a newer MAIL. */
  readonly #ending: TransactionRecord[] = [];
  readonly #emit: (event: SessionEvent) => void;
  readonly #base: { nodeId: string; sessionId: string };
  /** Keeps the message for `transaction.completed` (absent at capture level `envelope`). */
  readonly capture: MessageCapture | undefined;

  readonly #wantsReplies: boolean;
  readonly #wantsTransactions: boolean;

  constructor(
    base: { nodeId: string; sessionId: string },
    emit: (event: SessionEvent) => void,
    capture?: MessageCapture,
    wants: EventWants = ALL_EVENTS,
  ) {
    this.#base = base;
    this.#emit = emit;
    this.capture = capture;
    this.#wantsReplies = wants['reply.received'];
    this.#wantsTransactions = wants['transaction.completed'];
  }

  /** Ends every transaction still open (the session is over), oldest first. */
  completeAll(reply: Reply | null, decidedBy: ReplySource): void {
    for (const record of [...this.#ending]) this.complete(null, reply, decidedBy, record);
    this.complete(null, reply, decidedBy);
  }

  /** The open transaction, if any. */
  get current(): TransactionRecord | null {
    return this.#current;
  }

  /** Records a command sent to the server (or to be answered locally) and queues it. */
  sent(
    verb: string,
    line: string,
    path?: string,
    sent: Instant = instant(),
    local?: ParsedReply,
    extra: {
      source?: ReplySource;
      silent?: boolean;
      held?: boolean;
      plugin?: string | undefined;
    } = {},
  ): PendingCommand {
    let transaction: TransactionRecord | null = null;
    if (verb === 'MAIL') {
      // A MAIL pipelined behind an end of data leaves that transaction to
      // its reply; any other open transaction was abandoned.
      const open = this.#current;
      if (open?.ending) this.#ending.push(open);
      else if (open) this.complete('deferred', null, 'relay');
      this.transactions++;
      transaction = {
        number: this.transactions,
        sender: path ?? '',
        startedMs: sent.monotonicMs,
        recipients: [],
        size: 0,
        mailReply: null,
        pluginReplies: new Map(),
        heldMs: undefined,
        ending: false,
        done: false,
      };
      this.#current = transaction;
    } else if (verb === 'RCPT' || verb === 'DATA' || verb === 'BDAT' || verb === '.') {
      transaction = this.#current;
      if (transaction && (verb === '.' || (verb === 'BDAT' && isLastChunk(line))))
        transaction.ending = true;
    }
    // Every slot has every field: one object shape, however it was sent.
    const pending: PendingCommand = {
      verb,
      line,
      path,
      local,
      source: extra.source,
      silent: extra.silent,
      held: extra.held,
      plugin: extra.plugin,
      sent,
      transaction,
    };
    this.fifo.push(pending);
    return pending;
  }

  /** Emits the exchange of `pending` and `reply` and moves the transaction on. */
  replied(pending: PendingCommand, parsed: ParsedReply, source: ReplySource = 'server'): void {
    // Nobody takes the events: the transaction logic needs the code only.
    const reply =
      this.#wantsReplies || this.#wantsTransactions
        ? toReceivedReply(parsed)
        : { code: parsed.code, text: '', lines: NO_LINES };
    if (this.#wantsReplies) this.#emitExchange(pending, reply);
    const record = pending.transaction;
    if (record && source === 'plugin') record.pluginReplies.set(reply, pending.plugin);
    if (record && !record.done) this.#advance(pending, record, reply, source);
    else if (
      (pending.verb === 'RSET' || pending.verb === 'QUIT') &&
      this.#current &&
      !pending.silent
    )
      this.complete(null, reply, source);
  }

  #emitExchange(pending: PendingCommand, reply: ReceivedReply): void {
    const now = instant();
    this.#emit({
      type: 'reply.received',
      nodeId: this.#base.nodeId,
      sessionId: this.#base.sessionId,
      at: now.at,
      monotonicMs: now.monotonicMs,
      command:
        pending.verb === ''
          ? null
          : {
              verb: pending.verb,
              line: pending.line,
              at: pending.sent.at,
              monotonicMs: pending.sent.monotonicMs,
            },
      reply,
      latencyMs: now.monotonicMs - pending.sent.monotonicMs,
      transaction: pending.transaction?.number ?? null,
    });
  }

  #advance(
    pending: PendingCommand,
    record: TransactionRecord,
    reply: Reply,
    source: ReplySource,
  ): void {
    switch (pending.verb) {
      case 'MAIL':
        record.mailReply = reply;
        return;
      case 'RCPT':
        record.recipients.push({ address: pending.path ?? '', reply });
        return;
      case 'DATA':
        if (reply.code !== 354) this.#refusedData(record, reply, source);
        return;
      case 'BDAT':
        if (reply.code >= 400) this.#refusedData(record, reply, source);
        else if (isLastChunk(pending.line)) this.complete('delivered', reply, source, record);
        return;
      case '.':
        this.complete(
          reply.code < 400 ? 'delivered' : reply.code < 500 ? 'deferred' : 'bounced',
          reply,
          source,
          record,
        );
        return;
    }
  }

  #refusedData(record: TransactionRecord, reply: Reply, source: ReplySource): void {
    const before = outcomeBeforeData(record);
    if (before.reply) this.complete(before.outcome, before.reply, source, record);
    else this.complete(reply.code < 500 ? 'deferred' : 'bounced', reply, source, record);
  }

  /** Adds relayed body bytes to the open transaction (`content` for the capture, `stuffed` for DATA). */
  addBody(bytes: number, content?: Buffer, stuffed = false): void {
    if (!this.#current) return;
    this.#current.size += bytes;
    if (content) this.capture?.write(content, stuffed);
  }

  /**
   * Ends the open transaction. Without an outcome (RSET, QUIT, lost
   * connection) it is judged from the replies so far; `reply` then stands in
   * when nothing better decided it.
   */
  complete(
    outcome: TransactionOutcome | null,
    reply: Reply | null,
    decidedBy: ReplySource,
    record: TransactionRecord | null = this.#current,
  ): void {
    if (!record || record.done) return;
    record.done = true;
    if (record === this.#current) this.#current = null;
    else this.#ending.splice(this.#ending.indexOf(record), 1);
    let finalReply = reply;
    let finalOutcome = outcome;
    if (finalOutcome === null) {
      const before = outcomeBeforeData(record);
      finalOutcome = before.outcome;
      finalReply = before.reply ?? reply;
      if (before.reply) decidedBy = 'server';
    }
    const byPlugin = finalReply !== null && record.pluginReplies.has(finalReply);
    const plugin = finalReply ? record.pluginReplies.get(finalReply) : undefined;
    const message = this.capture?.take();
    if (!this.#wantsTransactions) return;
    const now = instant();
    this.#emit({
      type: 'transaction.completed',
      ...this.#base,
      ...now,
      transaction: record.number,
      sender: record.sender,
      recipients: record.recipients,
      size: record.size,
      outcome: finalOutcome,
      finalReply: finalReply ?? { code: 421, enhanced: '4.4.2', text: 'transaction abandoned' },
      decidedBy: byPlugin ? 'plugin' : decidedBy,
      ...(plugin === undefined ? {} : { plugin }),
      durationMs: now.monotonicMs - record.startedMs,
      ...(record.heldMs === undefined ? {} : { heldMs: record.heldMs }),
      ...(message === undefined ? {} : { message }),
    });
  }
}
