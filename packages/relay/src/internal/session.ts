import { replyBytes } from '@warp/ehlo-rewriter';
import type { Endpoint, SessionCloseReason, SessionEvent } from '@warp/hooks';
import {
  type ClientEvent,
  type Command,
  CommandParser,
  type Reply,
  ReplyParser,
} from '@warp/smtp-parser';
import type { RelayError } from '../relay-error';
import type { RelaySocket } from '../relay-io';
import type { Destination, ResolvedRelayOptions } from '../relay-options';
import { answerLocally, DeciderGate, gateSession } from './decider-gate';
import { ExchangeTracker } from './exchange-tracker';
import { instant } from './instant';
import { createMessageCapture } from './message-capture';
import { localReply } from './received-reply';
import {
  ambiguousDataEnd,
  mxProtocolFailure,
  relayFailure,
  shutdownFailure,
  timeoutFailure,
} from './relay-failure';
import { RelayHold, relayContext } from './relay-hold';
import { decideEhlo, type SessionContextForEhlo } from './session-ehlo';
import { sessionId } from './session-id';
import { type SessionFlow, SessionIo } from './session-io';
import { startSession } from './session-start';

/** What a session needs from its relay. */
export interface SessionHost {
  readonly options: ResolvedRelayOptions;
  readonly ehlo: SessionContextForEhlo;
  emit(event: SessionEvent): void;
  connectMx(
    session: Session,
    destination: Destination,
  ): Promise<{ socket: RelaySocket; egress: () => Endpoint }>;
  checkDestination(destination: Destination): RelayError | undefined;
  sessionEnded(session: Session): void;
}

const DOT_CRLF = Buffer.from('.\r\n');
const MAX_LINE = 65_536;
const error = relayFailure;

/**
 * One relayed connection: the MTA on one side, the MX on the other. Both
 * streams go through `@warp/smtp-parser`; the relay forwards exactly the
 * bytes the parser classified, in order, as they come (with backpressure).
 * It answers the MTA itself only when warp cannot go on (always 4xx, except
 * 5xx for an ambiguous end of data), and reports everything as events.
 */
export class Session {
  readonly id = sessionId();
  readonly io: SessionIo;
  readonly tracker: ExchangeTracker;
  readonly commands = new CommandParser({ maxLineLength: MAX_LINE, unstuff: false });
  readonly replies = new ReplyParser({ maxLineLength: MAX_LINE, maxReplyLines: 100_000 });
  destination: Destination | undefined;
  heloLine = '';
  tlsActive = false;
  readonly gate: DeciderGate;
  readonly hold: RelayHold;
  #queue: ClientEvent[] = [];
  #held = true;
  #requeue = false;
  #skipChunk = false;
  #discarding = false;
  #draining = false;
  #saslContinuation = false;
  #quitSent = false;
  /** When the MX connection was established (performance.now()). */
  connectedMs = 0;
  readonly #host: SessionHost;

  constructor(client: RelaySocket, host: SessionHost) {
    this.#host = host;
    const base = { nodeId: host.options.nodeId, sessionId: this.id };
    this.tracker = new ExchangeTracker(
      base,
      (event) => host.emit(event),
      // Nobody takes transaction.completed: nothing to capture the message for.
      host.options.wants['transaction.completed']
        ? createMessageCapture(host.options.capture)
        : undefined,
      host.options.wants,
    );
    this.gate = new DeciderGate(
      host.options,
      () => gateSession(this, host.options.nodeId),
      () => this.pump(),
    );
    this.io = new SessionIo(client, host.options.timeouts, base, {
      onClientChunk: (chunk) => this.#enqueue(this.commands.push(chunk)),
      onReplyChunk: (chunk) => this.#onMxData(chunk),
      onMxEnded: () => this.#onMxEnded(),
      onTimeout: (side) => this.fail(timeoutFailure(side), 'timeout'),
      onClosed: () => {
        this.hold.close();
        this.tracker.completeAll(this.io.failure?.reply ?? null, 'relay');
        if (host.options.wants['session.closed'])
          host.emit(this.io.closedEvent(this.tracker.transactions));
        host.sessionEnded(this);
      },
      flow: () => this.#updateFlow(),
    });
    this.hold = new RelayHold(host.options.beforeRelay, {
      io: this.io,
      tracker: this.tracker,
      relayContext: () => relayContext(this, host.options.nodeId),
      resume: () => this.pump(),
    });
  }

  /** One object, updated in place: asked for several times per chunk. */
  readonly #flow: SessionFlow = {
    waiting: false,
    buffered: 0,
    inBody: false,
    idle: true,
    currentVerb: undefined,
  };

  #updateFlow(): SessionFlow {
    const flow = this.#flow;
    const mode = this.commands.mode;
    flow.waiting = this.#paused || mode === 'data-pending';
    flow.buffered = this.#queue.length + this.commands.bufferedBytes;
    flow.inBody = mode === 'data' || mode === 'bdat' || this.#discarding;
    flow.idle = this.tracker.fifo.length === 0;
    flow.currentVerb = this.tracker.fifo[0]?.verb;
    return flow;
  }

  /** Resolves the destination, dials the MX and starts relaying. */
  start(): Promise<void> {
    return startSession(this, this.#host);
  }

  /** Ends the session: the MTA gets `failure.reply`, the MX connection is dropped. */
  fail(failure: RelayError, reason: SessionCloseReason): void {
    this.io.end(reason, failure, failure.wire());
  }

  /** Stop gracefully: close now if idle between transactions, else when the transaction ends. */
  drain(): void {
    this.#draining = true;
    this.#closeIfDrainingAndIdle();
  }

  #closeIfDrainingAndIdle(): void {
    if (
      !this.#draining ||
      this.tracker.fifo.length > 0 ||
      this.commands.mode !== 'command' ||
      this.tracker.current
    )
      return;
    this.fail(shutdownFailure(), 'shutdown');
  }

  /** Relaying waits: for a reply, a decider, or a held message on its way to the MX. */
  get #paused(): boolean {
    return this.#held || this.gate.deciding || this.hold.busy;
  }

  /** Lets client events flow again (after the reply that held them). */
  release(): void {
    this.#held = false;
  }

  #enqueue(events: ClientEvent[]): void {
    for (const event of events) this.#queue.push(event);
    this.pump();
  }

  /** Relays the queued client events, as far as the protocol state allows. */
  pump(): void {
    if (!this.io.mx || this.io.closing) return;
    const out: Buffer[] = [];
    let index = 0;
    while (!this.#paused && index < this.#queue.length) {
      const event = this.#queue[index++] as ClientEvent;
      if (this.#handle(event, out)) break;
    }
    // A decider is running on that command: it is handled again once decided.
    if (this.#requeue) index--;
    this.#requeue = false;
    this.#queue = index === this.#queue.length ? [] : this.#queue.slice(index);
    if (out.length > 0) this.io.writeMx(out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out));
    if (this.tracker.fifo[0]?.local) {
      this.afterReply();
      return;
    }
    this.io.updateTimers();
    this.io.updateClientFlow();
    this.io.endMxIfClientDone();
  }

  /** Handles one client event; true when relaying must stop here. */
  #handle(event: ClientEvent, out: Buffer[]): boolean {
    switch (event.type) {
      case 'command':
        return this.#command(event.command, out);
      case 'data':
      case 'bdat-data':
        if (this.#discarding || this.#skipChunk) return false;
        if (this.hold.receiving) this.hold.write(event.content);
        else out.push(event.content);
        this.tracker.addBody(event.length, event.content, event.type === 'data');
        return false;
      case 'data-end':
        if (this.#discarding) return this.#refuseAmbiguous();
        if (this.hold.receiving) {
          this.hold.end();
          return true;
        }
        out.push(DOT_CRLF);
        this.tracker.sent('.', '.');
        return false;
      case 'ambiguous-ending':
        // The MX must never see the rest: dropping the connection mid-DATA
        // makes it discard the partial message. The MTA is answered at its
        // own end of data, where it expects the reply.
        this.#discarding = true;
        this.io.dropMx();
        return false;
      case 'bdat-end':
        this.#skipChunk = false;
        return false;
      case 'line-too-long':
        this.tracker.sent(
          'UNKNOWN',
          '(line too long)',
          undefined,
          instant(),
          localReply(500, '5.5.2', `[warp] line longer than ${event.limit} bytes`),
        );
        this.#held = true;
        return true;
      case 'bytes-discarded':
        if (event.reason === 'after-starttls') return false;
        this.fail(
          error(
            'WARP_ERR_RELAY_PROTOCOL',
            `the MTA sent ${event.length} bytes after DATA before the 354 reply`,
            [421, '4.5.0', '[warp] protocol error, closing'],
          ),
          'error',
        );
        return true;
    }
  }

  #command(command: Command, out: Buffer[]): boolean {
    const raw = command.raw;
    const line = raw.toString('latin1', 0, raw.length - (command.ending === 'CRLF' ? 2 : 1));
    if (this.#saslContinuation) {
      this.#saslContinuation = false;
      out.push(raw);
      this.tracker.sent('*', '***');
      return false;
    }
    switch (command.verb) {
      case 'EHLO':
      case 'HELO':
        this.heloLine = line;
        this.#held = true;
        break;
      case 'QUIT':
        this.#quitSent = true;
        break;
      case 'STARTTLS':
        // Hidden from the MTA (TLS belongs on the MX leg); a client sending it
        // anyway is told no, at its place in the reply order.
        this.tracker.sent(
          'STARTTLS',
          line,
          undefined,
          instant(),
          localReply(454, '4.7.0', '[warp] TLS is done by warp towards the MX; go on in plaintext'),
        );
        this.#held = true;
        return true;
    }
    const gate = this.gate.check(command);
    if (gate.action === 'wait') {
      this.#requeue = true;
      return true;
    }
    if (gate.action === 'answer') {
      answerLocally(this.tracker, command, line, gate, out);
      if (command.verb === 'BDAT') this.#skipChunk = true;
      // DATA: the parser waits for the reply before reading on (see afterReply).
      return command.verb === 'DATA';
    }
    if (this.hold.enabled && command.verb === 'BDAT') {
      // Never past beforeRelay: CHUNKING is hidden, a BDAT anyway is refused.
      this.hold.refuseBdat(line);
      this.#skipChunk = true;
      return false;
    }
    if (this.hold.enabled && command.verb === 'DATA') {
      this.hold.acceptData(line);
      return true;
    }
    out.push(raw);
    this.tracker.sent(
      command.verb,
      command.verb === 'AUTH' ? line.split(' ').slice(0, 2).join(' ') : line,
      command.envelope?.address,
    );
    return command.verb === 'EHLO' || command.verb === 'HELO';
  }

  #refuseAmbiguous(): boolean {
    const failure = ambiguousDataEnd();
    this.tracker.complete('bounced', failure.reply, 'relay');
    this.fail(failure, 'refused');
    return true;
  }

  #onMxData(chunk: Buffer): void {
    for (const event of this.replies.push(chunk)) {
      if (this.io.closing) return;
      if (event.type === 'reply') this.#onReply(event.reply);
      else {
        const what =
          event.type === 'line-too-long'
            ? 'an over-long reply line'
            : 'a line that is not an SMTP reply';
        this.fail(mxProtocolFailure(`the MX ${this.destination?.address} sent ${what}`), 'error');
        return;
      }
    }
  }

  #onReply(reply: Reply): void {
    const pending = this.tracker.fifo.shift();
    if (!pending) {
      // A reply to no command: passed on, the MTA would take it for the
      // answer to its next one (a 250 for a message the MX never had).
      this.fail(
        mxProtocolFailure(
          `the MX ${this.destination?.address} sent a reply to no command: ${reply.code}`,
        ),
        'error',
      );
      return;
    }
    this.tracker.replied(pending, reply);
    if (pending.held) this.hold.dataReplied(reply.code);
    if (reply.code === 354 && this.io.durations.connectTo354Ms === null)
      this.io.durations.connectTo354Ms = performance.now() - this.connectedMs;
    if (pending.silent || (pending.held && reply.code === 354)) {
      this.afterReply();
      return;
    }
    if (pending.verb === 'EHLO' || pending.verb === 'HELO') {
      void decideEhlo(this, this.#host.ehlo, pending, reply);
      return;
    }
    this.io.writeClient(replyBytes(reply));
    if (pending.verb === 'QUIT') {
      this.io.end('quit');
      return;
    }
    if (pending.verb === '') this.#held = false;
    else if (pending.verb === 'DATA' && this.commands.mode === 'data-pending') {
      this.#queue.push(
        ...(reply.code === 354 ? this.commands.startData() : this.commands.resume()),
      );
    }
    if (reply.code === 334) this.#saslContinuation = true;
    this.afterReply();
  }

  /** After a reply reached the MTA: answer warp's own queued replies, go on relaying. */
  afterReply(): void {
    for (let head = this.tracker.fifo[0]; head?.local; head = this.tracker.fifo[0]) {
      this.tracker.fifo.shift();
      const local = this.hold.replyFor(head) ?? head.local;
      this.tracker.replied(head, local, head.source ?? 'relay');
      this.io.writeClient(replyBytes(local));
      if (
        (head.verb === 'STARTTLS' && this.commands.mode === 'starttls-pending') ||
        (head.verb === 'DATA' && this.commands.mode === 'data-pending')
      )
        this.#queue.unshift(
          ...(local.code === 354 ? this.commands.startData() : this.commands.resume()),
        );
      this.#held = false;
    }
    this.#closeIfDrainingAndIdle();
    this.pump();
  }

  #onMxEnded(): void {
    const outstanding =
      this.tracker.fifo.length > 0 ||
      this.commands.mode !== 'command' ||
      this.tracker.current !== null;
    if (outstanding && !this.#quitSent) {
      this.fail(
        error(
          'WARP_ERR_RELAY_SERVER_CLOSED',
          `the MX ${this.destination?.address} closed the connection with commands outstanding`,
          [421, '4.4.2', '[warp] connection to the MX lost, try again later'],
        ),
        'server-closed',
      );
      return;
    }
    this.io.end(this.#quitSent ? 'quit' : this.io.clientEnded ? 'client-closed' : 'server-closed');
  }
}
