/**
 * The events warp reports to observer plugins. Every event is immutable plain
 * data: strings, numbers, booleans, arrays and objects only (times as ISO
 * strings and monotonic milliseconds, never `Date` or `Buffer`), so
 * `JSON.stringify(event)` is a faithful copy.
 *
 * This file is the contract between the relay, the bus and every plugin:
 * changing a name or a field's meaning is a breaking change (bump
 * {@link API_VERSION}).
 *
 * @packageDocumentation
 */

/** The version of the plugin contract described by this package. */
export const API_VERSION = 1 as const;

/** The plugin contract version type (see {@link API_VERSION}). */
export type ApiVersion = typeof API_VERSION;

/**
 * An SMTP reply as warp hands it around: the reply a decider answers the MTA
 * with, or (with `lines`) the reply a server sent.
 *
 * @example
 * ```ts
 * const pause: Reply = { code: 451, enhanced: '4.7.1', text: 'sender paused, try later' };
 * ```
 */
export interface Reply {
  /** Three-digit SMTP reply code (RFC 5321 section 4.2), e.g. `451`. */
  readonly code: number;
  /** Enhanced status code (RFC 3463) `class.subject.detail`, e.g. `'4.7.1'`. */
  readonly enhanced?: string;
  /** Reply text without code and enhanced code; lines of a multi-line reply joined with `\n`. */
  readonly text: string;
}

/** A reply received from a server: a {@link Reply} plus its raw lines. */
export interface ReceivedReply extends Reply {
  /** Every reply line exactly as received, without CRLF (`250-PIPELINING`, `250 SIZE`). */
  readonly lines: readonly string[];
}

/** A network endpoint. `address` is an IP literal (`192.0.2.10`, `2001:db8::25`). */
export interface Endpoint {
  readonly address: string;
  readonly port: number;
}

/**
 * A point in time, twice: the wall clock for people and storage, a monotonic
 * clock for durations. `monotonicMs` is `performance.now()` of the process
 * that emitted the event; compare it only with other events of the same node.
 */
export interface Instant {
  /** Wall-clock time, ISO 8601 in UTC with milliseconds (`2026-11-28T12:00:00.123Z`). */
  readonly at: string;
  /** Monotonic milliseconds (`performance.now()`), for latencies and ordering. */
  readonly monotonicMs: number;
}

/** Fields every event carries. */
export interface EventBase<TType extends string> extends Instant {
  /** The event name, noun-verb past tense (`session.opened`). */
  readonly type: TType;
  /** The warp node that emitted it (configured name or host name). */
  readonly nodeId: string;
}

/** Fields every session event carries. */
export interface SessionEventBase<TType extends string> extends EventBase<TType> {
  /**
   * Unique id of the relayed connection, stable for its whole life. From
   * `@warp/relay` a UUID version 7: ids sort by the time the session opened.
   */
  readonly sessionId: string;
}

/** The MTA connected and warp dialled the destination. */
export interface SessionOpenedEvent extends SessionEventBase<'session.opened'> {
  /** The MTA side of the intercepted connection. */
  readonly client: Endpoint;
  /** The original destination (the MX the MTA believes it talks to). */
  readonly destination: Endpoint;
  /** The local (source) address warp used towards the destination. */
  readonly egress: Endpoint;
}

/** A command warp relayed (as the client sent it). */
export interface SentCommand extends Instant {
  /** Upper-cased verb (`MAIL`, `RCPT`, `DATA`, `EHLO`, `.` for end of data). */
  readonly verb: string;
  /** The command line as sent, without CRLF. `AUTH` arguments are redacted by the relay. */
  readonly line: string;
}

/**
 * One exchange: a command and the reply that answered it (pipelining is
 * untangled: each reply is matched to its own command). The greeting is an
 * exchange with `command: null`.
 */
export interface ReplyReceivedEvent extends SessionEventBase<'reply.received'> {
  /** The command answered, or `null` for the server greeting. */
  readonly command: SentCommand | null;
  /** The server's reply; `at`/`monotonicMs` of the event are when it completed. */
  readonly reply: ReceivedReply;
  /** Milliseconds from the command sent to the reply complete (from connect for the greeting). */
  readonly latencyMs: number;
  /** 1-based transaction number within the session, or `null` outside a transaction. */
  readonly transaction: number | null;
}

/** The certificate the server presented. */
export interface CertificateSummary {
  /** Subject distinguished name, e.g. `CN=mx.example.net`. */
  readonly subject: string;
  /** Subject alternative names (`DNS:mx.example.net`, `IP Address:198.51.100.25`). */
  readonly subjectAltNames: readonly string[];
  /** Issuer distinguished name. */
  readonly issuer: string;
  /** Start of validity, ISO 8601. */
  readonly validFrom: string;
  /** End of validity, ISO 8601. */
  readonly validTo: string;
  /** SHA-256 fingerprint, colon-separated hex. */
  readonly fingerprint256: string;
}

/** STARTTLS with the server succeeded. */
export interface TlsUpgradedEvent extends SessionEventBase<'tls.upgraded'> {
  /** Negotiated protocol, e.g. `TLSv1.3`. */
  readonly protocol: string;
  /** Negotiated cipher, e.g. `TLS_AES_256_GCM_SHA384`. */
  readonly cipher: string;
  /** The server certificate, or `null` if none was presented. */
  readonly certificate: CertificateSummary | null;
  /** Whether the chain and name verified against the trust store. */
  readonly verified: boolean;
  /** Why verification failed (`CERT_HAS_EXPIRED`, ...), `null` when verified. */
  readonly verifyError: string | null;
  /** Handshake duration in milliseconds. */
  readonly handshakeMs: number;
}

/** STARTTLS with the server was refused or its handshake failed. */
export interface TlsFailedEvent extends SessionEventBase<'tls.failed'> {
  /** Where it failed: server refused `STARTTLS`, or the TLS handshake failed. */
  readonly stage: 'starttls-refused' | 'handshake';
  /** What went wrong, for people (`SSL routines::wrong version number`). */
  readonly reason: string;
  /** Error code when there is one (`ECONNRESET`, `ERR_SSL_...`), else `null`. */
  readonly errorCode: string | null;
  /** Whether warp went on in plaintext (opportunistic policy) or closed the session. */
  readonly continuedInPlaintext: boolean;
}

/** A recipient of a transaction and the reply it got. */
export interface RecipientResult {
  /** The address from `RCPT TO:<...>` (without angle brackets). */
  readonly address: string;
  /** The reply to this `RCPT` (from the server, or from a decider plugin). */
  readonly reply: Reply;
}

/**
 * How a transaction ended, from the MTA's point of view:
 * - `delivered`: the server accepted the message (2xx to end of data);
 * - `deferred`: a 4xx ended it (MAIL, every RCPT, DATA or end of data), the MTA retries;
 * - `bounced`: a 5xx to `DATA` or end of data, after recipients were accepted;
 * - `rejected`: a 5xx before data (MAIL or every RCPT refused) or refused by a decider plugin.
 */
export type TransactionOutcome = 'delivered' | 'deferred' | 'bounced' | 'rejected';

/** Who produced the reply that decided a transaction's outcome. */
export type ReplySource = 'server' | 'plugin' | 'relay';

/** One header field of a captured message, unfolded (RFC 5322 2.2.3). */
export interface CapturedHeader {
  /** The field name as written (`Message-ID`); compare case-insensitively. */
  readonly name: string;
  /** The value, unfolded (the CRLF before each continuation line removed), outer whitespace trimmed. */
  readonly value: string;
}

/**
 * The message of a transaction as the relay captured it, when its capture
 * level asks for it (`headers` or `full`; never at the default `envelope`).
 * Bytes are the message as the MX received it: DATA content dot-unstuffed
 * (without the final `.` line), or the BDAT chunks joined. Text is decoded
 * as UTF-8 (RFC 6532); a byte that is not UTF-8 becomes U+FFFD.
 */
export interface CapturedMessage {
  /** The header block (up to the first empty line, at most 64 KiB), in order. */
  readonly headers?: readonly CapturedHeader[];
  /** The whole message (headers and body), at most the relay's `maxContentBytes` bytes. */
  readonly content?: string;
  /** True when `content` stops at the limit and the message was longer. */
  readonly contentTruncated?: boolean;
}

/** A mail transaction (MAIL, RCPTs, DATA/BDAT) finished or was abandoned. */
export interface TransactionCompletedEvent extends SessionEventBase<'transaction.completed'> {
  /** 1-based transaction number within the session. */
  readonly transaction: number;
  /** Reverse path from `MAIL FROM:<...>`; `''` for the null sender. */
  readonly sender: string;
  /** Every recipient with its own reply, in order. */
  readonly recipients: readonly RecipientResult[];
  /** Message size in bytes as relayed (after dot-unstuffing is not applied: wire bytes), 0 if no data. */
  readonly size: number;
  /** How it ended. */
  readonly outcome: TransactionOutcome;
  /** The reply that decided the outcome (end of data, or the refusing reply). */
  readonly finalReply: Reply;
  /** Who produced `finalReply`. */
  readonly decidedBy: ReplySource;
  /** Name of the plugin that decided, when `decidedBy` is `'plugin'`. */
  readonly plugin?: string;
  /** Milliseconds from `MAIL` sent to the final reply. */
  readonly durationMs: number;
  /**
   * Milliseconds the message was held at the MTA's end of data while the
   * `beforeRelay` deciders decided (spool finished, every decider answered);
   * part of `durationMs`. Present only when a `beforeRelay` decider held it.
   */
  readonly heldMs?: number;
  /**
   * The message, when the relay captures it (`capture.level` `headers` or
   * `full`) and data was sent; absent at the default level `envelope`.
   */
  readonly message?: CapturedMessage;
}

/** Why a session ended. */
export type SessionCloseReason =
  | 'quit'
  | 'client-closed'
  | 'server-closed'
  | 'timeout'
  | 'connect-failed'
  | 'tls-failed'
  | 'refused'
  | 'shutdown'
  | 'error';

/** The connection ended (both sides closed). */
export interface SessionClosedEvent extends SessionEventBase<'session.closed'> {
  /** Why it ended. */
  readonly reason: SessionCloseReason;
  /** Error detail when `reason` is `error`, `timeout`, `connect-failed` or `tls-failed`. */
  readonly error: { readonly code: string; readonly message: string } | null;
  /** Byte counts on each leg (TLS: application bytes). */
  readonly bytes: {
    /** Received from the MTA. */
    readonly fromClient: number;
    /** Sent to the MTA. */
    readonly toClient: number;
    /** Received from the server. */
    readonly fromServer: number;
    /** Sent to the server. */
    readonly toServer: number;
  };
  /** Durations in milliseconds; `null` when the step never happened. */
  readonly durations: {
    /** Accept to close. */
    readonly totalMs: number;
    /** Dial start to the server connection established. */
    readonly connectMs: number | null;
    /** Connection established to the first `354` (the classic "connect-to-354"). */
    readonly connectTo354Ms: number | null;
    /** STARTTLS handshake. */
    readonly tlsHandshakeMs: number | null;
  };
  /** Number of transactions started in the session. */
  readonly transactions: number;
}

/** The hooks a plugin can implement (see {@link HOOK_NAMES}). Here for notices. */
export type HookName =
  | 'init'
  | 'close'
  | 'onEvent'
  | 'onEvents'
  | 'selectEgress'
  | 'beforeMail'
  | 'beforeRcpt'
  | 'beforeRelay';

/** A plugin did not answer in time (decider deadline, or an observer batch still running). */
export interface PluginSlowEvent extends EventBase<'plugin.slow'> {
  /** The plugin's `name`. */
  readonly plugin: string;
  /** The hook that was slow. */
  readonly hook: HookName;
  /** The deadline that passed, in milliseconds. */
  readonly deadlineMs: number;
  /** The session concerned, when the hook ran for one. */
  readonly sessionId: string | null;
  /** What warp did instead (`'allowed'`, `'relay default egress'`, `'still waiting'`). */
  readonly fallback: string;
}

/** A plugin threw, rejected, returned something invalid, or reported an error of its own. */
export interface PluginFailedEvent extends EventBase<'plugin.failed'> {
  /** The plugin's `name`. */
  readonly plugin: string;
  /** The hook that failed, or `'report'` when the plugin reported an error itself. */
  readonly hook: HookName | 'report';
  /** The error, as plain data. */
  readonly error: { readonly name: string; readonly code: string | null; readonly message: string };
  /** The session concerned, when there is one. */
  readonly sessionId: string | null;
}

/** A plugin's queue was full: events were not delivered to it (counted, never silent). */
export interface EventsDroppedEvent extends EventBase<'events.dropped'> {
  /** The plugin that missed events. */
  readonly plugin: string;
  /** Events dropped since the previous `events.dropped` for this plugin. */
  readonly count: number;
  /** Events dropped for this plugin since the bus started. */
  readonly total: number;
}

/** Events about the relayed mail. */
export type SessionEvent =
  | SessionOpenedEvent
  | ReplyReceivedEvent
  | TlsUpgradedEvent
  | TlsFailedEvent
  | TransactionCompletedEvent
  | SessionClosedEvent;

/** Events about the plugins themselves, emitted by the bus. */
export type NoticeEvent = PluginSlowEvent | PluginFailedEvent | EventsDroppedEvent;

/** Every event an observer can receive. Switch on `type`. */
export type WarpEvent = SessionEvent | NoticeEvent;

/** The name of an event (`'session.opened'`, ...). */
export type EventType = WarpEvent['type'];

/** The event of a given name: `EventOf<'session.closed'>` is {@link SessionClosedEvent}. */
export type EventOf<TType extends EventType> = Extract<WarpEvent, { type: TType }>;

/** Every event name, once. */
export const EVENT_TYPES = [
  'session.opened',
  'reply.received',
  'tls.upgraded',
  'tls.failed',
  'transaction.completed',
  'session.closed',
  'plugin.slow',
  'plugin.failed',
  'events.dropped',
] as const satisfies readonly EventType[];

/**
 * Where the relay sends events. The hook bus implements it; `emit` is
 * synchronous, cheap and never throws, so the relay can call it on its path.
 */
export interface EventSink {
  /** Hand an event over. Must not be mutated afterwards. */
  emit(event: SessionEvent): void;
  /**
   * The event types this sink does something with; absent means all. The
   * relay does not build an event nobody takes (with no observer, the
   * `reply.received` events of a session are most of its cost).
   */
  readonly types?: ReadonlySet<SessionEvent['type']>;
}
