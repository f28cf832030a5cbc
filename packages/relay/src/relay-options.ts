import type { ConnectionOptions } from 'node:tls';
import type {
  EgressContext,
  EventSink,
  MailContext,
  RcptContext,
  RelayContext,
  RelayResult,
  VerdictResult,
} from '@warp/hooks';
import type { EventWants } from './internal/event-wants';
import type { RelayIo, RelaySocket } from './relay-io';

/**
 * What to do about TLS towards the MX:
 * - `opportunistic` (default): upgrade when the MX offers STARTTLS, relay even
 *   when the certificate does not verify (and record why);
 * - `required`: no STARTTLS or a failed handshake answers the MTA with a 4xx;
 * - `off`: never upgrade (STARTTLS is still hidden from the MTA).
 */
export type TlsPolicy = 'opportunistic' | 'required' | 'off';

/** Where an intercepted connection was going. */
export interface Destination {
  /** IP literal of the MX. */
  address: string;
  /** Port, usually 25. */
  port: number;
  /** MX host name when known: used for SNI and certificate name checks. */
  hostname?: string;
}

/**
 * Finds the destination of an accepted socket: `getOriginalDestination` of
 * `@warp/original-dst` in a daemon, a fixed address in tests. Throw (ideally
 * a coded warp error) when the connection was not redirected. The socket is
 * a `net.Socket`, or a `NativeSocket` with `io: nativeIo` (which exposes its
 * fd as `net.Socket` does, so `getOriginalDestination` takes either).
 */
export type ResolveDestination = (socket: RelaySocket) => Destination | Promise<Destination>;

/**
 * Timeouts in milliseconds. Defaults follow RFC 5321 section 4.5.3.2 and
 * should not be set shorter in production.
 */
export interface RelayTimeouts {
  /** Dialling the MX (default 30 s). */
  connectMs: number;
  /** Waiting for the MX greeting (default 5 min). */
  greetingMs: number;
  /** Waiting for the reply to MAIL, RCPT and other commands (default 5 min). */
  commandMs: number;
  /** Waiting for the reply to DATA (default 2 min). */
  dataInitMs: number;
  /** Silence of the MTA inside a DATA body (default 3 min). */
  dataBlockMs: number;
  /** Waiting for the reply to the final dot (default 10 min). */
  dataEndMs: number;
  /** Silence of the MTA between commands (default 5 min). */
  clientIdleMs: number;
  /** The STARTTLS handshake with the MX (default 2 min). */
  tlsHandshakeMs: number;
}

/** The defaults of {@link RelayTimeouts}. */
export const DEFAULT_TIMEOUTS: Readonly<RelayTimeouts> = Object.freeze({
  connectMs: 30_000,
  greetingMs: 300_000,
  commandMs: 300_000,
  dataInitMs: 120_000,
  dataBlockMs: 180_000,
  dataEndMs: 600_000,
  clientIdleMs: 300_000,
  tlsHandshakeMs: 120_000,
});

/**
 * How much of each message the relay attaches to `transaction.completed`
 * (its `message` field). Every level relays the same bytes; only what is
 * kept for the event differs.
 * - `envelope` (default): nothing, and nothing is buffered;
 * - `headers`: the header block (up to the first empty line, at most 64 KiB),
 *   parsed into unfolded fields;
 * - `full`: the headers and the content up to `maxContentBytes`
 *   (`contentTruncated` says when the message was longer).
 *
 * A privacy filter (store-sql's `createPrivacyFilter`) decides what each
 * plugin then sees (e.g. only allowlisted headers).
 */
export interface MessageCaptureOptions {
  /** `envelope` (default), `headers` or `full`. */
  level: 'envelope' | 'headers' | 'full';
  /** Bytes of content kept at `full` (default 1 MiB); memory per message stays below it. */
  maxContentBytes?: number;
}

/** Options of {@link createRelay}. */
export interface RelayOptions {
  /** Finds each connection's real destination (see {@link ResolveDestination}). */
  resolveDestination: ResolveDestination;
  /** Receives every session event (the hook bus, or any sink). */
  events?: EventSink;
  /** Node id in events (default: the host name). */
  nodeId?: string;
  /** Source address(es) towards the MX: one, or a pool used round-robin per address family. */
  egress?: string | readonly string[];
  /**
   * Chooses the egress from the pool per session (the hook bus's
   * `selectEgress`); an answer outside the pool or `undefined` falls back to
   * round-robin.
   */
  selectEgress?: (context: EgressContext) => Promise<string | undefined>;
  /**
   * Asked before each `MAIL` goes to the MX (the hook bus's `beforeMail`).
   * A `reply` verdict answers the MTA instead; the MX never sees the command,
   * and warp answers the rest of that transaction (`503 5.5.1`) as an MX would.
   * A rejection is taken as `allow`.
   */
  beforeMail?: (context: MailContext) => Promise<VerdictResult>;
  /**
   * Asked before each `RCPT` goes to the MX (the hook bus's `beforeRcpt`).
   * A `reply` verdict answers the MTA instead; when every RCPT of a
   * transaction was refused, DATA/BDAT get `554 5.5.1` from warp and the MX RSET.
   */
  beforeRcpt?: (context: RcptContext) => Promise<VerdictResult>;
  /**
   * Asked with the whole message before any of it reaches the MX (the hook
   * bus's `beforeRelay`). With it, warp answers DATA with its own 354, holds
   * the content (spooled to a file when large), and sends DATA to the MX only
   * for a message to relay; a rejected one gets the plugin's reply and the MX
   * an RSET. CHUNKING is then hidden from the MTA (it uses DATA).
   */
  beforeRelay?: (context: RelayContext) => Promise<RelayResult>;
  /** TLS policy towards the MX (default `opportunistic`). */
  tls?: TlsPolicy;
  /** Extra `tls.connect` options (e.g. `ca`, `minVersion`). */
  tlsOptions?: Omit<ConnectionOptions, 'socket' | 'host' | 'port'>;
  /** How long an MX address stays marked TLS-broken after a failed handshake (default 1 h). */
  tlsBrokenTtlMs?: number;
  /** Keep CHUNKING/BINARYMIME and relay BDAT chunks by exact octet count (default true). */
  relayBdat?: boolean;
  /** Concurrent sessions above which new connections get `421 4.3.2` (default 1000). */
  maxSessions?: number;
  /** Timeouts (see {@link RelayTimeouts}). */
  timeouts?: Partial<RelayTimeouts>;
  /** What of each message `transaction.completed` carries (default: none; see {@link MessageCaptureOptions}). */
  capture?: MessageCaptureOptions;
  /**
   * How sockets are made (default Node's `net`, {@link nodeIo}). `nativeIo`
   * of `@warp/native-io` relays through libuv without Node's streams: less
   * CPU per message; TLS towards the MX stays with Node's `tls`.
   */
  io?: RelayIo;
}

/** Every option of {@link RelayOptions} with its default applied. */
export interface ResolvedRelayOptions
  extends Required<
    Omit<
      RelayOptions,
      | 'events'
      | 'selectEgress'
      | 'beforeMail'
      | 'beforeRcpt'
      | 'beforeRelay'
      | 'egress'
      | 'tlsOptions'
      | 'timeouts'
      | 'capture'
      | 'io'
    >
  > {
  events: EventSink | undefined;
  selectEgress: RelayOptions['selectEgress'];
  beforeMail: RelayOptions['beforeMail'];
  beforeRcpt: RelayOptions['beforeRcpt'];
  beforeRelay: RelayOptions['beforeRelay'];
  egress: readonly string[];
  tlsOptions: RelayOptions['tlsOptions'];
  timeouts: RelayTimeouts;
  capture: Required<MessageCaptureOptions>;
  io: RelayIo;
  /** Which events {@link events} takes (from its `types`). */
  wants: EventWants;
}
