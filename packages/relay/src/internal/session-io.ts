import type { Socket } from 'node:net';
import type { Endpoint, SessionClosedEvent, SessionCloseReason } from '@warp/hooks';
import type { RelayError } from '../relay-error';
import type { RelayIo, RelaySocket } from '../relay-io';
import type { RelayTimeouts } from '../relay-options';
import { instant } from './instant';

/** What {@link SessionIo} asks of its session. */
export interface SessionIoEvents {
  onClientChunk(chunk: Buffer): void;
  onReplyChunk(chunk: Buffer): void;
  onMxEnded(): void;
  onTimeout(side: string): void;
  /** Both sockets are closed; {@link SessionIo.closedEvent} describes the session. */
  onClosed(): void;
  /**
   * The session's protocol state, as far as flow control and timers need
   * it. Asked several times per chunk: it may return the same object,
   * updated, each time.
   */
  flow(): SessionFlow;
}

/** See {@link SessionIoEvents.flow}. */
export interface SessionFlow {
  /** Relaying waits for a reply (EHLO, DATA) before taking more from the MTA. */
  waiting: boolean;
  /** Client bytes or events not relayed yet. */
  buffered: number;
  /** Inside a message body (DATA content or BDAT octets). */
  inBody: boolean;
  /** No reply outstanding. */
  idle: boolean;
  /** Verb of the oldest unanswered command ('' for the greeting). */
  currentVerb: string | undefined;
}

// Bytes the MTA may send ahead while framing waits on a reply; beyond, reading pauses.
const MAX_AHEAD = 256 * 1024;

/**
 * The two sockets of a session: byte counts, backpressure both ways
 * (a slow MX pauses reading from the MTA and the other way round, so no
 * message is ever buffered whole), RFC 5321 timeouts, and an orderly end.
 */
export class SessionIo {
  readonly client: RelaySocket;
  #clientEndpoint: Endpoint | undefined;

  /**
   * The MTA's address and port, read on first use (a getpeername call, which
   * a session without observers never needs) and kept: a closed socket has none.
   */
  get clientEndpoint(): Endpoint {
    this.#clientEndpoint ??= {
      address: this.client.remoteAddress ?? '',
      port: this.client.remotePort ?? 0,
    };
    return this.#clientEndpoint;
  }
  mx: RelaySocket | undefined;
  closing = false;
  failure: RelayError | undefined;
  reason: SessionCloseReason = 'client-closed';
  readonly bytes = { fromClient: 0, toClient: 0, fromServer: 0, toServer: 0 };
  readonly durations = {
    connectMs: null as number | null,
    connectTo354Ms: null as number | null,
    tlsHandshakeMs: null as number | null,
  };
  readonly #openedMs = performance.now();
  #clientEnded = false;

  /** Whether the MTA has half-closed (sent FIN). */
  get clientEnded(): boolean {
    return this.#clientEnded;
  }

  #mxEndSent = false;
  // A socket's own reads and writes restart its timeout, so it is only set
  // again when the applicable value changes (a timer re-arm per exchange
  // was a visible share of the relay's CPU).
  #clientTimeoutMs = -1;
  #mxTimeoutMs = -1;
  /** Destroys both sockets if an orderly end takes too long (see {@link end}). */
  #forceClose: NodeJS.Timeout | undefined;
  #mxCongested = false;
  #clientCongested = false;
  #mxGone = false;
  #closedEmitted = false;
  readonly #timeouts: RelayTimeouts;
  readonly #base: { nodeId: string; sessionId: string };
  readonly #events: SessionIoEvents;
  readonly #mxData = (chunk: Buffer) => {
    this.bytes.fromServer += chunk.length;
    this.#events.onReplyChunk(chunk);
  };
  readonly #mxEnd = () => {
    if (this.#mxGone) return;
    this.#mxGone = true;
    if (!this.closing) this.#events.onMxEnded();
  };
  readonly #mxError = () => this.#mxEnd();

  constructor(
    client: RelaySocket,
    timeouts: RelayTimeouts,
    base: { nodeId: string; sessionId: string },
    events: SessionIoEvents,
  ) {
    this.client = client;
    this.#timeouts = timeouts;
    this.#base = base;
    this.#events = events;
    // A no-op when the relay's server set it at accept (Node keeps track).
    client.setNoDelay(true);
    client.on('data', (chunk: Buffer) => {
      this.bytes.fromClient += chunk.length;
      events.onClientChunk(chunk);
      this.updateClientFlow();
    });
    client.on('end', () => {
      this.#clientEnded = true;
      this.endMxIfClientDone();
    });
    client.on('error', () => {});
    client.on('timeout', () => events.onTimeout('the MTA'));
    client.on('close', () => {
      if (!this.closing) this.end('client-closed');
      this.mx?.destroy();
      // A pending timer would keep the whole session reachable for 5 s.
      clearTimeout(this.#forceClose);
      this.#emitClosed();
    });
    // A native socket starts paused; for a net.Socket the data listener did it.
    client.resume();
  }

  /** Starts reading from the MX socket (plain or TLS). */
  attachMx(socket: RelaySocket): void {
    this.mx = socket;
    socket.on('data', this.#mxData);
    socket.on('end', this.#mxEnd);
    socket.on('close', this.#mxEnd);
    socket.on('error', this.#mxError);
    socket.on('timeout', () => {
      if (socket === this.mx) this.#events.onTimeout('the MX');
    });
    socket.resume();
  }

  /**
   * Stops reading from the MX socket and hands it over as the `net.Socket`
   * that STARTTLS takes (`io.toNetSocket`). The new socket is the session's
   * MX socket from then on, without the session's listeners, so its ends (MTA
   * gone, shutdown, force close) reach it. When the io cannot hand over (no
   * fd left), this throws and the old socket stays the MX socket.
   */
  handOverMx(io: RelayIo): Socket {
    const socket = this.mx as RelaySocket;
    socket.pause();
    socket.setTimeout(0);
    this.#mxTimeoutMs = -1;
    socket.removeListener('data', this.#mxData);
    socket.removeListener('end', this.#mxEnd);
    socket.removeListener('close', this.#mxEnd);
    socket.removeListener('error', this.#mxError);
    socket.on('error', () => {});
    const handedOver = io.toNetSocket(socket);
    this.mx = handedOver;
    return handedOver;
  }

  /** Drops the MX connection without notice (its partial message is then discarded). */
  dropMx(): void {
    this.#mxGone = true;
    this.mx?.destroy();
  }

  writeMx(bytes: Buffer): void {
    const mx = this.mx;
    if (!mx || this.#mxGone) return;
    this.bytes.toServer += bytes.length;
    if (!mx.write(bytes) && !this.#mxCongested) {
      this.#mxCongested = true;
      mx.once('drain', () => {
        this.#mxCongested = false;
        this.updateClientFlow();
      });
    }
  }

  writeClient(bytes: Buffer): void {
    if (this.client.destroyed) return;
    this.bytes.toClient += bytes.length;
    if (!this.client.write(bytes) && !this.#clientCongested) {
      // One drain listener at a time, however many writes return false before it.
      this.#clientCongested = true;
      const mx = this.mx;
      mx?.pause();
      this.client.once('drain', () => {
        this.#clientCongested = false;
        if (this.mx === mx && !this.closing) mx?.resume();
      });
    }
  }

  /** Pauses the MTA while the MX is congested or framing waits with bytes ahead. */
  updateClientFlow(): void {
    const flow = this.#events.flow();
    const pause =
      this.#mxCongested || (flow.waiting && flow.buffered > 0) || flow.buffered > MAX_AHEAD;
    if (pause && !this.client.isPaused()) this.client.pause();
    else if (!pause && this.client.isPaused() && !this.closing) this.client.resume();
  }

  /** Arms the timeout that applies now on each side (RFC 5321 4.5.3.2). */
  updateTimers(): void {
    if (this.closing) return;
    const t = this.#timeouts;
    const flow = this.#events.flow();
    const verb = flow.currentVerb;
    if (flow.idle) {
      this.#clientTimeout(flow.inBody ? t.dataBlockMs : t.clientIdleMs);
      this.#mxTimeout(0);
    } else {
      this.#clientTimeout(0);
      this.#mxTimeout(
        verb === ''
          ? t.greetingMs
          : verb === 'DATA'
            ? t.dataInitMs
            : verb === '.' || verb === 'BDAT'
              ? t.dataEndMs
              : t.commandMs,
      );
    }
  }

  #clientTimeout(ms: number): void {
    if (ms === this.#clientTimeoutMs) return;
    this.#clientTimeoutMs = ms;
    this.client.setTimeout(ms);
  }

  #mxTimeout(ms: number): void {
    if (!this.mx || ms === this.#mxTimeoutMs) return;
    this.#mxTimeoutMs = ms;
    this.mx.setTimeout(ms);
  }

  /** After the MTA half-closed and everything it sent was relayed, half-close towards the MX too. */
  endMxIfClientDone(): void {
    if (!this.#clientEnded || this.#mxEndSent || !this.mx || this.#events.flow().buffered > 0)
      return;
    this.#mxEndSent = true;
    this.mx.end();
  }

  /** Ends the session once: optional last reply to the MTA, MX connection closed. */
  end(reason: SessionCloseReason, error?: RelayError, lastReply?: Buffer): void {
    if (this.closing) return;
    this.closing = true;
    this.reason = reason;
    this.failure = error;
    this.client.setTimeout(0);
    const mx = this.mx;
    if (reason === 'quit' && this.client.writableLength === 0) {
      // The reply to QUIT is in the kernel: close both sides now, as an MX
      // does. Waiting for the MTA's FIN, or for its RST when it closes
      // without reading the 221 (smtp-source does), cost every session an
      // error object with its stack trace.
      this.client.destroy();
      mx?.destroy();
      return;
    }
    if (lastReply && !this.client.destroyed) this.bytes.toClient += lastReply.length;
    if (lastReply) this.client.end(lastReply);
    else this.client.end();
    this.client.resume();
    if (mx && !this.#mxGone) {
      mx.setTimeout(0);
      if (error) mx.destroy();
      else mx.end();
    }
    this.#forceClose = setTimeout(() => {
      this.client.destroy();
      this.mx?.destroy();
    }, 5_000).unref();
  }

  #emitClosed(): void {
    if (this.#closedEmitted) return;
    this.#closedEmitted = true;
    this.#events.onClosed();
  }

  /** The `session.closed` event, as of now. */
  closedEvent(transactions: number): SessionClosedEvent {
    const failure = this.failure;
    const now = instant();
    const { connectMs, connectTo354Ms, tlsHandshakeMs } = this.durations;
    return {
      type: 'session.closed',
      nodeId: this.#base.nodeId,
      sessionId: this.#base.sessionId,
      at: now.at,
      monotonicMs: now.monotonicMs,
      reason: this.reason,
      error: failure ? { code: failure.code, message: failure.message } : null,
      bytes: { ...this.bytes },
      durations: {
        totalMs: now.monotonicMs - this.#openedMs,
        connectMs,
        connectTo354Ms,
        tlsHandshakeMs,
      },
      transactions,
    };
  }
}
