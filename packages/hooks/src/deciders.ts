/**
 * Decider hooks: called on the relay's path, each under a deadline. When a
 * decider throws, rejects, returns something invalid or misses its deadline,
 * the bus falls back to the default (allow / relay / the relay's own egress)
 * and emits a `plugin.failed` or `plugin.slow` notice.
 *
 * @packageDocumentation
 */
import type { Endpoint, Reply } from './events';

/** Passed to every decider as its second argument. */
export interface DeciderCall {
  /** Aborted when the deadline passes or the session ends; stop work then. */
  readonly signal: AbortSignal;
  /** The deadline for this call in milliseconds. */
  readonly deadlineMs: number;
}

/** What every decider knows about the session. */
export interface SessionContext {
  /** The session id, as in the session's events. */
  readonly sessionId: string;
  /** The warp node id. */
  readonly nodeId: string;
  /** The MTA side of the connection. */
  readonly client: Endpoint;
  /** The original destination (the MX). */
  readonly destination: Endpoint;
}

/** Input of {@link SelectEgressHook}. */
export interface EgressContext extends SessionContext {
  /** The configured pool of source addresses; the answer must be one of them. */
  readonly pool: readonly string[];
}

/** Answer of {@link SelectEgressHook}: a pool address, or `undefined` for the relay's default. */
export type EgressChoice = { readonly address: string } | undefined;

/**
 * At connect time, pick the source address towards the destination.
 * The first plugin (in configuration order) that answers an address wins.
 */
export type SelectEgressHook = (
  context: EgressContext,
  call: DeciderCall,
) => EgressChoice | Promise<EgressChoice>;

/** Allow, or answer the MTA with a reply of the plugin's choosing (never sent to the MX). */
export type Verdict =
  | { readonly action: 'allow' }
  | { readonly action: 'reply'; readonly reply: Reply };

/** Input of {@link BeforeMailHook}. */
export interface MailContext extends SessionContext {
  /** The EHLO/HELO name the MTA gave. */
  readonly helo: string;
  /** The reverse path (`''` for the null sender). */
  readonly sender: string;
  /** Parameters after the address (`SIZE=1000`, `BODY=8BITMIME`), as sent. */
  readonly parameters: readonly string[];
  /** 1-based transaction number within the session. */
  readonly transaction: number;
}

/**
 * Before `MAIL` goes to the MX. A `reply` verdict (e.g. `451 4.7.1`) answers
 * the MTA; the MX never sees the command, and the relay keeps both sides
 * consistent (the MTA retries later).
 */
export type BeforeMailHook = (
  context: MailContext,
  call: DeciderCall,
) => Verdict | Promise<Verdict>;

/** Input of {@link BeforeRcptHook}. */
export interface RcptContext extends MailContext {
  /** The forward path of this `RCPT`. */
  readonly recipient: string;
  /** Recipients already accepted in this transaction. */
  readonly acceptedRecipients: readonly string[];
}

/** Before a `RCPT` goes to the MX; same verdicts as {@link BeforeMailHook}. */
export type BeforeRcptHook = (
  context: RcptContext,
  call: DeciderCall,
) => Verdict | Promise<Verdict>;

/**
 * The message content handed to {@link BeforeRelayHook}: RFC 5322 bytes with
 * CRLF line ends, dot-unstuffed, without the final `.` line. Large messages
 * live in a temporary file (see `MessageSpool`); read them as a stream.
 */
export interface MessageContent {
  /** Size in bytes. */
  readonly size: number;
  /** The bytes as a stream of chunks; may be called more than once. */
  stream(): AsyncIterable<Uint8Array>;
  /** The whole message in memory (avoid for large messages). */
  bytes(): Promise<Uint8Array>;
}

/** Input of {@link BeforeRelayHook}: the whole transaction and its message. */
export interface RelayContext extends SessionContext {
  /** The EHLO/HELO name the MTA gave. */
  readonly helo: string;
  /** The reverse path (`''` for the null sender). */
  readonly sender: string;
  /** The recipients the MX accepted. */
  readonly recipients: readonly string[];
  /** 1-based transaction number within the session. */
  readonly transaction: number;
  /** The message. */
  readonly message: MessageContent;
}

/**
 * Answer of {@link BeforeRelayHook}: relay as is, reject with a reply to the
 * MTA (the MX never receives a byte of it), or replace the content (same
 * format as {@link MessageContent}; the relay dot-stuffs it again).
 */
export type RelayVerdict =
  | { readonly action: 'relay' }
  | { readonly action: 'reject'; readonly reply: Reply }
  | {
      readonly action: 'replace';
      readonly content: Uint8Array | AsyncIterable<Uint8Array>;
    };

/**
 * After the MTA sent the whole message and before any of it reaches the MX
 * (pipelined `MAIL/RCPT/DATA` included). Plugins run in configuration order;
 * each sees the content the previous one produced; the first `reject` wins.
 */
export type BeforeRelayHook = (
  context: RelayContext,
  call: DeciderCall,
) => RelayVerdict | Promise<RelayVerdict>;
