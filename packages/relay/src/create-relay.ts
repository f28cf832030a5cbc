import { channel } from 'node:diagnostics_channel';
import { type AddressInfo, isIPv4 } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';
import { hiddenCapabilities } from '@warp/ehlo-rewriter';
import type { Endpoint, SessionEvent } from '@warp/hooks';
import { dial } from './internal/dial';
import { EgressPool } from './internal/egress-pool';
import { eventWants } from './internal/event-wants';
import { resolveCaptureOptions } from './internal/message-capture';
import { Session, type SessionHost } from './internal/session';
import type { SessionContextForEhlo } from './internal/session-ehlo';
import { TlsBrokenMemory } from './internal/tls-broken-memory';
import { RelayError } from './relay-error';
import { nodeIo, type RelayListener, type RelaySocket } from './relay-io';
import {
  DEFAULT_TIMEOUTS,
  type Destination,
  type RelayOptions,
  type ResolvedRelayOptions,
} from './relay-options';

const refusedChannel = channel('warp:relay:connection-refused');

/** A running relay: accepts intercepted connections and relays them. */
export interface Relay {
  /** Starts listening (default host `127.0.0.1`); resolves with the bound address. */
  listen(port: number, host?: string): Promise<AddressInfo>;
  /** Relays an already accepted socket (for embedding in another server). */
  handle(socket: RelaySocket): void;
  /**
   * Graceful shutdown: stop accepting, close idle sessions with `421 4.3.2`,
   * let sessions in a transaction finish until `graceMs`, then close them
   * with `421 4.3.2` too.
   */
  close(options?: { graceMs?: number }): Promise<void>;
  /** Sessions currently open. */
  readonly sessionCount: number;
}

function resolveOptions(options: RelayOptions): ResolvedRelayOptions {
  const egress =
    options.egress === undefined
      ? []
      : typeof options.egress === 'string'
        ? [options.egress]
        : options.egress;
  return {
    resolveDestination: options.resolveDestination,
    events: options.events,
    nodeId: options.nodeId ?? hostname(),
    egress,
    selectEgress: options.selectEgress,
    beforeMail: options.beforeMail,
    beforeRcpt: options.beforeRcpt,
    beforeRelay: options.beforeRelay,
    tls: options.tls ?? 'opportunistic',
    tlsOptions: options.tlsOptions,
    tlsBrokenTtlMs: options.tlsBrokenTtlMs ?? 3_600_000,
    // A held message comes by DATA: BDAT chunks would each need a reply before the decision.
    relayBdat: options.beforeRelay ? false : (options.relayBdat ?? true),
    maxSessions: options.maxSessions ?? 1000,
    timeouts: { ...DEFAULT_TIMEOUTS, ...options.timeouts },
    capture: resolveCaptureOptions(options.capture),
    wants: eventWants(options.events),
    io: options.io ?? nodeIo,
  };
}

/** Whether a destination address reaches a listener bound to `bound`. */
function pointsAt(destination: string, bound: string): boolean {
  if (destination === bound) return true;
  if (!isLocalAddress(destination)) return false;
  return bound === '0.0.0.0' || bound === '::' || isLocalAddress(bound);
}

function isLocalAddress(address: string): boolean {
  const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (plain === '::1' || (isIPv4(plain) && plain.startsWith('127.'))) return true;
  return Object.values(networkInterfaces()).some((list) =>
    list?.some((item) => item.address === plain),
  );
}

class RelayServer implements Relay, SessionHost {
  readonly options: ResolvedRelayOptions;
  readonly ehlo: SessionContextForEhlo;
  readonly #sessions = new Set<Session>();
  readonly #pool: EgressPool;
  readonly #listeners: RelayListener[] = [];
  /** Where each listener listens, read once: reading it is a system call. */
  readonly #bound: AddressInfo[] = [];
  #closing = false;

  constructor(options: RelayOptions) {
    this.options = resolveOptions(options);
    this.#pool = new EgressPool(this.options.egress);
    const hidden = hiddenCapabilities({ relaysBdat: this.options.relayBdat });
    this.ehlo = {
      options: this.options,
      tlsBroken: new TlsBrokenMemory(this.options.tlsBrokenTtlMs),
      hidden,
      emit: (event) => this.emit(event),
    };
  }

  get sessionCount(): number {
    return this.#sessions.size;
  }

  emit(event: SessionEvent): void {
    if (this.options.wants[event.type]) this.options.events?.emit(event);
  }

  async listen(port: number, host = '127.0.0.1'): Promise<AddressInfo> {
    const listener = await this.options.io.listen(port, host, (socket) => this.handle(socket));
    this.#listeners.push(listener);
    this.#bound.push(listener.address);
    return listener.address;
  }

  handle(socket: RelaySocket): void {
    if (this.#closing || this.#sessions.size >= this.options.maxSessions) {
      const why = this.#closing
        ? 'warp is shutting down'
        : `${this.#sessions.size} sessions open (limit ${this.options.maxSessions})`;
      const error = new RelayError(
        this.#closing ? 'WARP_ERR_RELAY_SHUTDOWN' : 'WARP_ERR_RELAY_SESSION_LIMIT',
        `refused a connection from ${socket.remoteAddress}: ${why}`,
        {
          code: 421,
          enhanced: '4.3.2',
          text: '[warp] too busy, try again later',
        },
      );
      refusedChannel.publish({ client: socket.remoteAddress, error });
      socket.on('error', () => {});
      socket.end(error.wire());
      // Read until the MTA's end (a native socket starts paused and would
      // otherwise never see it), and close for sure if it never comes.
      socket.resume();
      setTimeout(() => socket.destroy(), 5_000).unref();
      return;
    }
    const session = new Session(socket, this);
    this.#sessions.add(session);
    void session.start();
  }

  checkDestination(destination: Destination): RelayError | undefined {
    for (const bound of this.#bound) {
      if (destination.port === bound.port && pointsAt(destination.address, bound.address)) {
        return new RelayError(
          'WARP_ERR_RELAY_SELF_DESTINATION',
          `destination ${destination.address}:${destination.port} is warp itself; check that the NAT rule excludes warp's own user`,
          {
            code: 421,
            enhanced: '4.3.0',
            text: '[warp] destination loops back to the relay; closing',
          },
        );
      }
    }
    return undefined;
  }

  async connectMx(
    session: Session,
    destination: Destination,
  ): Promise<{ socket: RelaySocket; egress: () => Endpoint }> {
    let localAddress: string | undefined;
    if (this.options.selectEgress && this.#pool.addresses.length > 0) {
      const chosen = await this.options.selectEgress({
        sessionId: session.id,
        nodeId: this.options.nodeId,
        client: session.io.clientEndpoint,
        destination: { address: destination.address, port: destination.port },
        pool: this.#pool.addresses,
      });
      if (chosen && this.#pool.addresses.includes(chosen)) localAddress = chosen;
    }
    localAddress ??= this.#pool.pick(destination.address);
    const socket = await dial(
      this.options.io,
      destination,
      localAddress,
      this.options.timeouts.connectMs,
    );
    return {
      socket,
      // Read only when an event takes it: each read is a getsockname call.
      egress: () => ({
        address: socket.localAddress ?? localAddress ?? '',
        port: socket.localPort ?? 0,
      }),
    };
  }

  sessionEnded(session: Session): void {
    this.#sessions.delete(session);
  }

  async close(options: { graceMs?: number } = {}): Promise<void> {
    this.#closing = true;
    const graceMs = options.graceMs ?? 30_000;
    const serverClosed = Promise.all(this.#listeners.map((listener) => listener.close()));
    for (const session of this.#sessions) session.drain();
    const deadline = performance.now() + graceMs;
    while (this.#sessions.size > 0 && performance.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    for (const session of this.#sessions) {
      session.fail(
        new RelayError('WARP_ERR_RELAY_SHUTDOWN', `shutdown deadline of ${graceMs} ms passed`, {
          code: 421,
          enhanced: '4.3.2',
          text: '[warp] shutting down, try again later',
        }),
        'shutdown',
      );
    }
    const hardDeadline = performance.now() + 6_000;
    while (this.#sessions.size > 0 && performance.now() < hardDeadline)
      await new Promise((r) => setTimeout(r, 50));
    await serverClosed;
  }
}

/**
 * Creates the relay engine. Embeddable: give it a way to find each
 * connection's destination and a sink for events.
 *
 * @example
 * ```ts
 * import { createRelay } from '@warp/relay';
 * import { getOriginalDestination } from '@warp/original-dst';
 *
 * const relay = createRelay({
 *   resolveDestination: (socket) => getOriginalDestination(socket),
 *   events: { emit: (event) => console.log(JSON.stringify(event)) },
 *   tls: 'opportunistic',
 * });
 * await relay.listen(10025, '127.0.0.1');
 * process.on('SIGTERM', () => relay.close({ graceMs: 30_000 }));
 * ```
 */
export function createRelay(options: RelayOptions): Relay {
  return new RelayServer(options);
}
