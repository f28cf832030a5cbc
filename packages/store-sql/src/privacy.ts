import { createHash } from 'node:crypto';
import type {
  CapturedMessage,
  ReplyReceivedEvent,
  TransactionCompletedEvent,
  WarpEvent,
} from '@warp/hooks';
import { WarpError } from '@warp/hooks';
import {
  type AddressMode,
  type AddressRewriter,
  addressRewriter,
  isSmtpVerb,
  REDACTED,
  redactCommandLine,
  rewriteAddressesIn,
} from './internal/redact';

export type { AddressMode } from './internal/redact';

/** How much of the mail is captured: `envelope` (default), `headers`, `full`. */
export type CaptureLevel = 'envelope' | 'headers' | 'full';

/** Options of {@link createPrivacyFilter}. */
export interface PrivacyOptions {
  /** Default `envelope`: commands, replies, addresses; never message content. */
  capture?: CaptureLevel;
  /** Default `keep`. `hash` needs {@link PrivacyOptions.hashKey}. */
  addresses?: AddressMode;
  /** The HMAC key for `addresses: 'hash'` (keep it secret and stable, or groups split). */
  hashKey?: string;
  /** Headers kept at `headers` level (case-insensitive). Default `['Message-ID']`. */
  headerAllowlist?: readonly string[];
}

/**
 * The `message` of `transaction.completed` (defined by `@warp/hooks`). Level
 * `envelope` drops it, `headers` keeps allowed headers only, `full` keeps it all.
 */
export type { CapturedMessage };

/** A pure event transform: same input, same output; never mutates its input. */
export type PrivacyFilter = (event: WarpEvent) => WarpEvent;

/**
 * Build the privacy transform every plugin's events should pass through
 * (the bus can apply it once before dispatch). Each event is rebuilt from the
 * fields of the contract only, so a field the contract does not name (message
 * content a future relay might attach) never passes at `envelope` level.
 * `AUTH` data is always redacted, as are `334` challenges.
 *
 * @example
 * ```ts
 * const privacy = createPrivacyFilter({ addresses: 'hash', hashKey: process.env.WARP_HASH_KEY });
 * bus.emit(privacy(event));
 * ```
 * @throws WarpError `WARP_ERR_STORE_PRIVACY_OPTIONS` for a `hash` mode without key.
 */
export function createPrivacyFilter(options: PrivacyOptions = {}): PrivacyFilter {
  const capture = options.capture ?? 'envelope';
  const mode = options.addresses ?? 'keep';
  if (mode === 'hash' && !options.hashKey) {
    throw new WarpError(
      'WARP_ERR_STORE_PRIVACY_OPTIONS',
      "[warp] [store-sql] privacy addresses 'hash' needs a hashKey: set privacy.hashKey to a long random secret",
    );
  }
  const rewrite = addressRewriter(mode, options.hashKey);
  const allowed = new Set((options.headerAllowlist ?? ['Message-ID']).map((h) => h.toLowerCase()));
  const text = (value: string) => rewriteAddressesIn(value, rewrite);
  const signature = settingsSignature(capture, mode, options.hashKey, allowed);
  // Literal objects, no spread of a common base: an object spread into a
  // literal with more fields is V8's slow path (measured: it made the writer's
  // row building four times slower), and this runs for every event.
  const filter = (event: WarpEvent): WarpEvent => {
    const { nodeId, at, monotonicMs } = event;
    switch (event.type) {
      case 'session.opened': {
        const { sessionId, client, destination, egress } = event;
        return {
          type: event.type,
          nodeId,
          at,
          monotonicMs,
          sessionId,
          client: { ...client },
          destination: { ...destination },
          egress: { ...egress },
        };
      }
      case 'reply.received':
        return exchange(event, rewrite, text);
      case 'tls.upgraded': {
        const { sessionId, protocol, cipher, verified, verifyError, handshakeMs } = event;
        const c = event.certificate;
        const certificate = c && {
          subject: c.subject,
          subjectAltNames: [...c.subjectAltNames],
          issuer: c.issuer,
          validFrom: c.validFrom,
          validTo: c.validTo,
          fingerprint256: c.fingerprint256,
        };
        return {
          type: event.type,
          nodeId,
          at,
          monotonicMs,
          sessionId,
          protocol,
          cipher,
          certificate,
          verified,
          verifyError,
          handshakeMs,
        };
      }
      case 'tls.failed': {
        const { sessionId, stage, reason, errorCode, continuedInPlaintext } = event;
        return {
          type: event.type,
          nodeId,
          at,
          monotonicMs,
          sessionId,
          stage,
          reason,
          errorCode,
          continuedInPlaintext,
        };
      }
      case 'transaction.completed':
        return transaction(event, capture, allowed, rewrite, text);
      case 'session.closed': {
        const { sessionId, reason, error, bytes, durations, transactions } = event;
        return {
          type: event.type,
          nodeId,
          at,
          monotonicMs,
          sessionId,
          reason,
          error: error && { code: error.code, message: text(error.message) },
          bytes: { ...bytes },
          durations: { ...durations },
          transactions,
        };
      }
      case 'plugin.failed':
        return { ...event, error: { ...event.error, message: text(event.error.message) } };
      default:
        return { ...event };
    }
  };
  return (event) => {
    // Filtered before with the same settings (warpd filters before the bus,
    // the stores again): the event is already what this filter would return.
    if ((event as Marked)[FILTERED_WITH] === signature) return event;
    const filtered = filter(event);
    Object.defineProperty(filtered, FILTERED_WITH, { value: signature });
    return filtered;
  };
}

/**
 * The settings a filtered event was filtered with, as a non-enumerable
 * property under a `Symbol.for` key (shared by every copy of this module in
 * the process), so a second filter with the same settings returns the event
 * as it is instead of rebuilding it. Non-enumerable: a spread or
 * `Object.assign` copy (which may carry other values) is unmarked, and so is
 * a structured clone or JSON; each is filtered again. It was a `WeakMap` from
 * event to settings: that cost ~1.5-2 µs per event (the set, and the
 * garbage collector's work on a weak table of every event in flight).
 */
const FILTERED_WITH = Symbol.for('warp.privacy.filtered-with');

type Marked = { [FILTERED_WITH]?: string };

function settingsSignature(
  capture: CaptureLevel,
  mode: AddressMode,
  hashKey: string | undefined,
  allowed: ReadonlySet<string>,
): string {
  // The key itself is not kept in the signature: its digest tells keys apart.
  const key = mode === 'hash' && hashKey ? createHash('sha256').update(hashKey).digest('hex') : '';
  return JSON.stringify([capture, mode, key, [...allowed].sort()]);
}

function exchange(
  event: ReplyReceivedEvent,
  rewrite: AddressRewriter,
  text: (value: string) => string,
): ReplyReceivedEvent {
  const { command, reply } = event;
  // A 334 carries a SASL challenge; the line after it is the client's credentials.
  const secret = reply.code === 334;
  // Literal objects, no spreads: this runs for most events (13 of 14 in a session).
  const filteredReply: { code: number; enhanced?: string; text: string; lines: string[] } = {
    code: reply.code,
    text: secret ? REDACTED : text(reply.text),
    lines: secret ? [`334 ${REDACTED}`] : reply.lines.map(text),
  };
  if (reply.enhanced !== undefined) filteredReply.enhanced = reply.enhanced;
  return {
    type: event.type,
    nodeId: event.nodeId,
    at: event.at,
    monotonicMs: event.monotonicMs,
    sessionId: event.sessionId,
    command: command && {
      // Not a known verb: the "verb" is the first word of SASL data or of a body line.
      verb: isSmtpVerb(command.verb) ? command.verb : REDACTED,
      line: redactCommandLine(command.verb, command.line, rewrite),
      at: command.at,
      monotonicMs: command.monotonicMs,
    },
    reply: filteredReply,
    latencyMs: event.latencyMs,
    transaction: event.transaction,
  };
}

function transaction(
  event: TransactionCompletedEvent & { message?: CapturedMessage },
  capture: CaptureLevel,
  allowed: ReadonlySet<string>,
  rewrite: AddressRewriter,
  text: (value: string) => string,
): WarpEvent {
  const reply = (r: { code: number; enhanced?: string; text: string }) => {
    const copy: { code: number; enhanced?: string; text: string } = {
      code: r.code,
      text: text(r.text),
    };
    if (r.enhanced !== undefined) copy.enhanced = r.enhanced;
    return copy;
  };
  const message = capturedMessage(event.message, capture, allowed);
  const filtered: {
    -readonly [K in keyof TransactionCompletedEvent]: TransactionCompletedEvent[K];
  } = {
    type: event.type,
    nodeId: event.nodeId,
    at: event.at,
    monotonicMs: event.monotonicMs,
    sessionId: event.sessionId,
    transaction: event.transaction,
    sender: rewrite(event.sender),
    recipients: event.recipients.map((r) => ({
      address: rewrite(r.address),
      reply: reply(r.reply),
    })),
    size: event.size,
    outcome: event.outcome,
    finalReply: reply(event.finalReply),
    decidedBy: event.decidedBy,
    durationMs: event.durationMs,
  };
  if (event.plugin !== undefined) filtered.plugin = event.plugin;
  if (event.heldMs !== undefined) filtered.heldMs = event.heldMs;
  if (message !== undefined) filtered.message = message;
  return filtered;
}

function capturedMessage(
  message: CapturedMessage | undefined,
  capture: CaptureLevel,
  allowed: ReadonlySet<string>,
): CapturedMessage | undefined {
  if (message === undefined || capture === 'envelope') return undefined;
  if (capture === 'full') return message;
  const headers = (message.headers ?? []).filter((h) => allowed.has(h.name.toLowerCase()));
  return { headers: headers.map((h) => ({ name: h.name, value: h.value })) };
}
