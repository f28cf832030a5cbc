import type { MessageContent, RelayContext, RelayResult, SpooledMessage } from '@warp/hooks';
import { type Reply as ParsedReply, ReplyParser } from '@warp/smtp-parser';
import { deciderReply, gateSession } from './decider-gate';
import type { ExchangeTracker, PendingCommand } from './exchange-tracker';
import { dotStuffed, HeldMessage } from './held-message';
import { instant } from './instant';
import { recaptured } from './message-capture';
import { localReply } from './received-reply';
import type { SessionIo } from './session-io';

/** The `beforeRelay` decider the relay calls (the hook bus's method). */
export type BeforeRelay = (context: RelayContext) => Promise<RelayResult>;

/** What a {@link RelayHold} needs from its session. */
export interface HoldSession {
  readonly io: SessionIo;
  readonly tracker: ExchangeTracker;
  /** The transaction as `beforeRelay` sees it, without the message. */
  relayContext(): Omit<RelayContext, 'message'>;
  /** Go on relaying the MTA's queued commands. */
  resume(): void;
}

const RSET_CRLF = Buffer.from('RSET\r\n');
const DATA_CRLF = Buffer.from('DATA\r\n');
const [parsed] = new ReplyParser().push(
  Buffer.from('354 [warp] End data with <CR><LF>.<CR><LF>\r\n'),
);
const GO_AHEAD = (parsed as { reply: ParsedReply }).reply;
// What Postfix answers to DATA in these cases.
const NO_VALID_RECIPIENTS = localReply(554, '5.5.1', '[warp] no valid recipients');
const NEED_RCPT = localReply(503, '5.5.1', '[warp] need RCPT command');

/**
 * `beforeRelay` on the relay's path: warp answers the MTA's DATA with its own
 * 354 and holds the content (dot-unstuffed, spooled) until the decision;
 * the MX sees DATA only for a message that is relayed (as is, or replaced
 * and dot-stuffed again). A rejected message never reaches the MX: the MTA
 * gets the plugin's reply to its end of data and the MX an RSET.
 */
export class RelayHold {
  #message: HeldMessage | undefined;
  #busy = false;
  #sentData = false;
  #dataReplied: ((code: number) => void) | undefined;
  #accepted: PendingCommand | undefined;
  readonly #beforeRelay: BeforeRelay | undefined;
  readonly #session: HoldSession;

  constructor(beforeRelay: BeforeRelay | undefined, session: HoldSession) {
    this.#beforeRelay = beforeRelay;
    this.#session = session;
  }

  /** Whether DATA is held (a `beforeRelay` decider is configured). */
  get enabled(): boolean {
    return this.#beforeRelay !== undefined;
  }

  /** DATA content is being received into the hold. */
  get receiving(): boolean {
    return this.#message !== undefined;
  }

  /** Deciding or sending the message to the MX: the MTA's next commands wait. */
  get busy(): boolean {
    return this.#busy;
  }

  /** The MTA's DATA: answered by warp (354), not sent to the MX. */
  acceptData(line: string): void {
    this.#accepted = this.#session.tracker.sent('DATA', line, undefined, instant(), GO_AHEAD);
    this.#message = new HeldMessage();
  }

  /**
   * warp's reply to the MTA's DATA, due once the MX has answered the MAIL
   * and every RCPT before it (FIFO order): 354, or when the MX accepted no
   * recipient the refusal an MX gives (the MX never sees that DATA).
   * `undefined` for any other command.
   */
  replyFor(pending: PendingCommand): ParsedReply | undefined {
    if (pending !== this.#accepted) return undefined;
    this.#accepted = undefined;
    const record = pending.transaction;
    const recipients = record?.recipients ?? [];
    if ((record?.mailReply?.code ?? 500) < 400 && recipients.some((r) => r.reply.code < 400))
      return GO_AHEAD;
    void this.#message?.discard();
    this.#message = undefined;
    return recipients.length === 0 ? NEED_RCPT : NO_VALID_RECIPIENTS;
  }

  /** A BDAT while DATA is held: CHUNKING is not offered, so `502 5.5.1` from warp. */
  refuseBdat(line: string): void {
    const reply = localReply(502, '5.5.1', '[warp] BDAT is not offered here; use DATA');
    this.#session.tracker.sent('BDAT', line, undefined, instant(), reply);
  }

  /** The session ended: drop a message still being received (and its temporary file). */
  close(): void {
    void this.#message?.discard();
    this.#message = undefined;
  }

  /** DATA content as received (dot-stuffed). */
  write(chunk: Uint8Array): void {
    this.#message?.write(chunk);
  }

  /** The MTA's end of data: decide, then relay or refuse. */
  end(): void {
    const held = this.#message as HeldMessage;
    this.#message = undefined;
    this.#busy = true;
    void this.#decide(held).finally(() => {
      this.#busy = false;
      this.#session.resume();
    });
  }

  /** The MX's reply to the DATA warp sent for a relayed message. */
  dataReplied(code: number): void {
    this.#dataReplied?.(code);
    this.#dataReplied = undefined;
  }

  async #decide(held: HeldMessage): Promise<void> {
    const { io } = this.#session;
    let message: SpooledMessage | undefined;
    const heldSince = performance.now();
    const transaction = this.#session.tracker.current;
    try {
      message = await held.finish();
      const beforeRelay = this.#beforeRelay as BeforeRelay;
      const result = await beforeRelay({ ...this.#session.relayContext(), message });
      if (transaction) transaction.heldMs = performance.now() - heldSince;
      if (io.closing) return;
      if (result.action === 'reject') {
        this.#refuse(deciderReply(result.reply), result.plugin);
        return;
      }
      try {
        await this.#relay(result.message, result.replacedBy.length > 0);
      } finally {
        await result.dispose();
      }
    } catch {
      if (io.closing) return;
      // Mid-DATA towards the MX: dropping it makes the MX discard the message
      // and the MTA get 421 (commands outstanding); before, the MTA gets 451.
      if (this.#sentData) io.mx?.destroy();
      else
        this.#refuse(
          localReply(451, '4.3.0', '[warp] could not hold the message; try again later'),
        );
    } finally {
      this.#sentData = false;
      await message?.dispose();
    }
  }

  /** Answers the MTA's end of data with `reply`; the MX, holding MAIL and RCPTs, gets RSET. */
  #refuse(reply: ParsedReply, plugin?: string): void {
    const { io, tracker } = this.#session;
    const source = plugin === undefined ? 'relay' : 'plugin';
    tracker.sent('.', '.', undefined, instant(), reply, { source, plugin });
    io.writeMx(RSET_CRLF);
    tracker.sent('RSET', 'RSET', undefined, instant(), undefined, { silent: true });
  }

  /** DATA to the MX; on its 354 the content, dot-stuffed. Another reply goes to the MTA as is. */
  async #relay(content: MessageContent, replaced: boolean): Promise<void> {
    const { io, tracker } = this.#session;
    const code = new Promise<number>((resolve) => {
      this.#dataReplied = resolve;
    });
    this.#sentData = true;
    io.writeMx(DATA_CRLF);
    tracker.sent('DATA', 'DATA', undefined, instant(), undefined, { held: true });
    if ((await code) !== 354 || io.closing) return;
    tracker.sent('.', '.');
    // A replacement is what the MX receives: the capture keeps it instead.
    const capture = replaced ? tracker.capture : undefined;
    const stream = capture ? recaptured(content.stream(), capture) : content.stream();
    for await (const chunk of dotStuffed(stream)) {
      if (io.closing) return;
      io.writeMx(chunk);
      const mx = io.mx;
      if (mx?.writableNeedDrain)
        await new Promise<void>((resolve) => {
          // Both listeners go once either fires: a long message waits many times.
          const done = () => {
            mx.removeListener('drain', done);
            mx.removeListener('close', done);
            resolve();
          };
          mx.once('drain', done);
          mx.once('close', done);
        });
    }
  }
}

/** The transaction as `beforeRelay` sees it (see {@link HoldSession.relayContext}). */
export function relayContext(
  session: Parameters<typeof gateSession>[0],
  nodeId: string,
): Omit<RelayContext, 'message'> {
  const current = session.tracker.current;
  return {
    ...gateSession(session, nodeId).base,
    sender: current?.sender ?? '',
    recipients: (current?.recipients ?? []).filter((r) => r.reply.code < 400).map((r) => r.address),
  };
}
