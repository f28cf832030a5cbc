import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import type { Endpoint, SessionCloseReason, SessionEvent } from '@warp/hooks';
import { RelayError } from '../relay-error';
import type { Destination, ResolvedRelayOptions } from '../relay-options';
import { ClientFramer, type ClientItem } from './client-framer';
import { ExchangeTracker, type PendingCommand } from './exchange-tracker';
import { instant } from './instant';
import { type FramedReply, ReplyFramer } from './reply-framer';
import { decideEhlo, type SessionContextForEhlo } from './session-ehlo';
import { SessionIo } from './session-io';

/** What a session needs from its relay. */
export interface SessionHost {
  readonly options: ResolvedRelayOptions;
  emit(event: SessionEvent): void;
  connectMx(
    session: Session,
    destination: Destination,
    client: Endpoint,
  ): Promise<{ socket: Socket; egress: Endpoint }>;
  checkDestination(destination: Destination): RelayError | undefined;
  sessionEnded(session: Session): void;
  readonly ehlo: SessionContextForEhlo;
}

const reply = (code: number, enhanced: string, text: string) => ({ code, enhanced, text });

/**
 * One relayed connection: the MTA on one side, the MX on the other. Frames
 * both streams, relays bytes as they come (with backpressure), answers the
 * MTA itself only when warp cannot go on (always 4xx, except 5xx for an
 * ambiguous end of data), and reports everything as events.
 */
export class Session {
  readonly id = randomUUID();
  readonly io: SessionIo;
  readonly tracker: ExchangeTracker;
  readonly framer = new ClientFramer();
  readonly replies = new ReplyFramer();
  destination: Destination | undefined;
  heloLine = '';
  tlsActive = false;
  #draining = false;
  #saslContinuation = false;
  #quitSent = false;
  #connectedMs = 0;
  readonly #host: SessionHost;

  constructor(client: Socket, host: SessionHost) {
    this.#host = host;
    const base = { nodeId: host.options.nodeId, sessionId: this.id };
    this.tracker = new ExchangeTracker(base, (event) => host.emit(event));
    this.io = new SessionIo(client, host.options.timeouts, base, {
      onClientItems: () => this.pump(),
      onReplyChunk: (chunk) => this.#onMxData(chunk),
      onMxEnded: () => this.#onMxEnded(),
      onClosed: (event) => {
        this.tracker.complete(null, this.io.failure?.reply ?? null, 'relay');
        host.emit({ ...event, transactions: this.tracker.transactions });
        host.sessionEnded(this);
      },
      idle: () => this.tracker.fifo.length === 0,
      framer: this.framer,
      currentVerb: () => this.tracker.fifo[0]?.verb,
    });
    this.framer.hold();
    this.io.onTimeout = (side) => {
      const error = new RelayError(
        'WARP_ERR_RELAY_TIMEOUT',
        `${side} stayed silent past the timeout (RFC 5321 4.5.3.2)`,
        reply(421, '4.4.2', '[warp] timeout, closing'),
      );
      this.fail(error, 'timeout');
    };
  }

  /** Resolves the destination, dials the MX and starts relaying. */
  async start(): Promise<void> {
    const client = this.io.clientEndpoint;
    let destination: Destination;
    try {
      destination = await this.#host.options.resolveDestination(this.io.client);
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      this.fail(
        new RelayError(
          'WARP_ERR_RELAY_DESTINATION',
          `no destination for the connection from ${client.address}: ${detail}`,
          reply(421, '4.3.0', '[warp] connection was not redirected; closing'),
          error,
        ),
        'refused',
      );
      return;
    }
    this.destination = destination;
    const refused = this.#host.checkDestination(destination);
    if (refused) return this.fail(refused, 'refused');
    try {
      const dialStarted = performance.now();
      const { socket, egress } = await this.#host.connectMx(this, destination, client);
      this.#connectedMs = performance.now();
      this.io.durations.connectMs = this.#connectedMs - dialStarted;
      if (this.io.closing) {
        socket.destroy();
        return;
      }
      this.tracker.sent('', '', instant());
      this.io.attachMx(socket);
      this.#host.emit({
        type: 'session.opened',
        nodeId: this.#host.options.nodeId,
        sessionId: this.id,
        ...instant(),
        client,
        destination: { address: destination.address, port: destination.port },
        egress,
      });
      this.io.updateTimers();
    } catch (error) {
      this.fail(
        RelayError.isInstance(error)
          ? (error as RelayError)
          : new RelayError(
              'WARP_ERR_RELAY_CONNECT_FAILED',
              String(error),
              reply(421, '4.4.1', '[warp] cannot reach the MX, try again later'),
              error,
            ),
        'connect-failed',
      );
    }
  }

  /** Ends the session: the MTA gets `error.reply`, the MX connection is dropped. */
  fail(error: RelayError, reason: SessionCloseReason): void {
    this.io.end(reason, error, error.wire());
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
      this.framer.inData ||
      this.tracker.current
    )
      return;
    this.fail(
      new RelayError(
        'WARP_ERR_RELAY_SHUTDOWN',
        'warp is shutting down',
        reply(421, '4.3.2', '[warp] shutting down, try again later'),
      ),
      'shutdown',
    );
  }

  /** Frames what the MTA sent and relays it, as far as the protocol state allows. */
  pump(): void {
    if (!this.io.mx || this.io.closing) return;
    const out: Buffer[] = [];
    for (let item = this.framer.next(); item; item = this.framer.next()) {
      const stop = this.#handleItem(item, out);
      if (stop) break;
    }
    if (out.length > 0) this.io.writeMx(out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out));
    this.io.updateTimers();
    this.io.updateClientFlow();
    this.io.endMxIfClientDone();
  }

  #handleItem(item: ClientItem, out: Buffer[]): boolean {
    switch (item.kind) {
      case 'command':
        return this.#command(item.raw, item.line, item.verb, out);
      case 'fragment':
        out.push(item.raw);
        if (item.raw[item.raw.length - 1] === 0x0a)
          this.tracker.sent('UNKNOWN', '(over-long line)');
        return false;
      case 'body':
      case 'bdat':
        out.push(item.raw);
        this.tracker.addBody(item.raw.length);
        return false;
      case 'data-end':
        out.push(item.raw);
        this.tracker.addBody(item.raw.length - 3);
        this.tracker.sent('.', '.');
        return false;
      case 'ambiguous':
        // The MX must never see the rest: dropping the connection mid-DATA
        // makes it discard the partial message. The MTA is answered once it
        // sends its own end of data, where it expects the reply.
        this.io.dropMx();
        return false;
      case 'discarded-end': {
        const error = new RelayError(
          'WARP_ERR_RELAY_AMBIGUOUS_DATA_END',
          'refused a message with a bare LF dot line (ambiguous end of data, SMTP smuggling)',
          reply(
            554,
            '5.6.0',
            '[warp] message refused: bare LF in a dot line makes the end of data ambiguous',
          ),
        );
        this.tracker.complete('bounced', error.reply, 'relay');
        this.fail(error, 'refused');
        return true;
      }
    }
  }

  #command(raw: Buffer, line: string, verb: string, out: Buffer[]): boolean {
    if (this.#saslContinuation) {
      this.#saslContinuation = false;
      out.push(raw);
      this.tracker.sent('*', '***');
      return false;
    }
    switch (verb) {
      case 'EHLO':
      case 'HELO':
        this.heloLine = line;
        this.framer.hold();
        break;
      case 'DATA':
        this.framer.hold();
        break;
      case 'QUIT':
        this.#quitSent = true;
        break;
      case 'STARTTLS':
        // Hidden from the MTA (TLS belongs on the MX leg); a client sending it
        // anyway is told no, at its place in the reply order.
        this.tracker.sent('STARTTLS', line);
        this.framer.hold();
        return true;
    }
    out.push(raw);
    this.tracker.sent(verb, verb === 'AUTH' ? line.split(' ').slice(0, 2).join(' ') : line);
    return false;
  }

  #onMxData(chunk: Buffer): void {
    let framed: FramedReply[];
    try {
      framed = this.replies.push(chunk);
    } catch (error) {
      this.fail(
        new RelayError(
          'WARP_ERR_RELAY_PROTOCOL',
          `the MX sent an over-long reply: ${String(error)}`,
          reply(421, '4.5.0', '[warp] MX protocol error, try again later'),
          error,
        ),
        'error',
      );
      return;
    }
    for (const one of framed) {
      if (this.io.closing) return;
      this.#onReply(one);
    }
  }

  #onReply(framed: FramedReply): void {
    const pending = this.tracker.fifo.shift();
    if (!pending) {
      this.io.writeClient(framed.raw);
      return;
    }
    this.tracker.replied(pending, framed);
    if (pending.verb === 'EHLO' || pending.verb === 'HELO') {
      void decideEhlo(this, this.#host.ehlo, pending, framed);
      return;
    }
    this.io.writeClient(framed.raw);
    if (pending.verb === '') this.framer.release();
    else if (pending.verb === 'DATA') {
      if (framed.code === 354 && this.io.durations.connectTo354Ms === null) {
        this.io.durations.connectTo354Ms = performance.now() - this.#connectedMs;
      }
      this.framer.release(framed.code === 354);
    }
    if (framed.code === 334) this.#saslContinuation = true;
    this.afterReply();
  }

  /** After any reply reached the MTA: answer queued local commands, go on framing. */
  afterReply(): void {
    this.#answerLocal();
    this.#closeIfDrainingAndIdle();
    this.pump();
  }

  #answerLocal(): void {
    const head: PendingCommand | undefined = this.tracker.fifo[0];
    if (head?.verb !== 'STARTTLS') return;
    this.tracker.fifo.shift();
    const raw = Buffer.from(
      '454 4.7.0 [warp] TLS is done by warp towards the MX; continue in plaintext\r\n',
    );
    this.tracker.replied(
      head,
      { code: 454, raw, lines: [raw.toString('latin1').trimEnd()] },
      'relay',
    );
    this.io.writeClient(raw);
    this.framer.release();
  }

  #onMxEnded(): void {
    const outstanding =
      this.tracker.fifo.length > 0 || this.framer.inData || this.tracker.current !== null;
    if (outstanding && !this.#quitSent) {
      this.fail(
        new RelayError(
          'WARP_ERR_RELAY_SERVER_CLOSED',
          `the MX ${this.destination?.address} closed the connection with commands outstanding`,
          reply(421, '4.4.2', '[warp] connection to the MX lost, try again later'),
        ),
        'server-closed',
      );
      return;
    }
    this.io.end(this.#quitSent ? 'quit' : 'server-closed', undefined, undefined);
  }
}
