import type { CapturedHeader, CapturedMessage } from '@warp/hooks';
import { WarpError } from '@warp/hooks';
import type { MessageCaptureOptions } from '../relay-options';
import { dotUnstuffer } from './held-message';

/** Most header bytes kept per message: a header block past this is cut at its last whole field. */
export const MAX_HEADER_BYTES = 65_536;
/** Default of `capture.maxContentBytes` (level `full`). */
export const DEFAULT_MAX_CONTENT_BYTES = 1_048_576;

const CR = 0x0d;
const LF = 0x0a;
/** Where the header scan stands after the bytes seen so far. */
const IN_LINE = 0;
const LINE_START = 1;
/** A CR at a line start: an LF next ends the header block. */
const LINE_START_CR = 2;
const HEADER_DONE = 3;

/**
 * Keeps what a transaction's capture level asks for from its message, as
 * the chunks go by: the header block (`headers`), or the content up to a
 * limit plus the header block (`full`). Memory stays bounded whatever the
 * message size: at most {@link MAX_HEADER_BYTES} plus `maxContentBytes`.
 * One instance serves a session; {@link take} ends a message.
 */
export class MessageCapture {
  readonly #full: boolean;
  readonly #maxContent: number;
  #unstuff = dotUnstuffer();
  #header: Buffer[] = [];
  #headerBytes = 0;
  #headerState = LINE_START;
  #content: Buffer[] = [];
  #contentBytes = 0;
  #truncated = false;
  #written = false;

  constructor(full: boolean, maxContentBytes: number) {
    this.#full = full;
    this.#maxContent = maxContentBytes;
  }

  /** Adds message bytes: DATA content as on the wire (`stuffed`), or BDAT octets. */
  write(chunk: Buffer, stuffed: boolean): void {
    if (chunk.length === 0) return;
    if (this.#headerState === HEADER_DONE && (!this.#full || this.#truncated)) return;
    this.#written = true;
    if (!this.#full) {
      // Dot-stuffing never moves a line break, so the header block's end is
      // found in the wire bytes and only the header part is unstuffed.
      this.#keepHeader(chunk, stuffed);
      return;
    }
    const bytes = stuffed ? this.#unstuff(chunk) : chunk;
    if (this.#headerState !== HEADER_DONE) this.#keepHeader(bytes, false);
    if (!this.#truncated) this.#keepContent(bytes, stuffed);
  }

  /** The message captured since the last call (undefined if no data came), and a fresh start. */
  take(): CapturedMessage | undefined {
    const written = this.#written;
    const header = Buffer.concat(this.#header, this.#headerBytes);
    const content = this.#content;
    const truncated = this.#truncated;
    this.reset();
    if (!written) return undefined;
    const headers = parseHeaders(header);
    if (!this.#full) return { headers };
    // `stream: true` leaves out a multi-byte character the limit cut in two.
    const text = new TextDecoder('utf-8').decode(Buffer.concat(content), { stream: truncated });
    return { headers, content: text, contentTruncated: truncated };
  }

  /** Forgets the message so far (a held message replaced by a plugin is captured anew). */
  reset(): void {
    this.#unstuff = dotUnstuffer();
    this.#header = [];
    this.#headerBytes = 0;
    this.#headerState = LINE_START;
    this.#content = [];
    this.#contentBytes = 0;
    this.#truncated = false;
    this.#written = false;
  }

  /** Keeps header bytes from `bytes` (to unstuff when `stuffed`) and follows the line state. */
  #keepHeader(bytes: Buffer, stuffed: boolean): void {
    if (bytes.length === 0) return;
    const end = headerEnd(bytes, this.#headerState);
    const room = MAX_HEADER_BYTES - this.#headerBytes;
    if (room > 0) {
      const part = bytes.subarray(0, end < 0 ? bytes.length : end);
      const header = stuffed ? this.#unstuff(part) : part;
      const kept = Buffer.from(header.subarray(0, Math.min(header.length, room)));
      this.#header.push(kept);
      this.#headerBytes += kept.length;
    }
    if (end >= 0 || this.#headerBytes >= MAX_HEADER_BYTES) this.#headerState = HEADER_DONE;
    else this.#headerState = lineStateAfter(bytes, this.#headerState);
  }

  /** Keeps content up to the limit; `owned`: `bytes` is a fresh copy (from the unstuffer). */
  #keepContent(bytes: Buffer, owned: boolean): void {
    const room = this.#maxContent - this.#contentBytes;
    if (bytes.length > room) this.#truncated = true;
    const take = Math.min(room, bytes.length);
    if (take === 0) return;
    const kept = bytes.subarray(0, take);
    // Parser chunks are views into socket reads: copy, or the reads stay alive.
    this.#content.push(owned ? kept : Buffer.from(kept));
    this.#contentBytes += take;
  }
}

/**
 * Where the header block ends in `bytes` (index just past the empty line,
 * CRLF or bare LF), or -1. `state` says what came before `bytes`.
 */
function headerEnd(bytes: Buffer, state: number): number {
  let i = 0;
  if (state === LINE_START_CR) {
    if (bytes[0] === LF) return 1;
    state = IN_LINE;
  }
  while (i < bytes.length) {
    if (state === LINE_START) {
      if (bytes[i] === LF) return i + 1;
      if (bytes[i] === CR) {
        if (i + 1 === bytes.length) return -1;
        if (bytes[i + 1] === LF) return i + 2;
      }
    }
    const lf = bytes.indexOf(LF, i);
    if (lf === -1) return -1;
    i = lf + 1;
    state = LINE_START;
  }
  return -1;
}

/** The line state after `bytes` (no end of the header block in them). */
function lineStateAfter(bytes: Buffer, state: number): number {
  const last = bytes[bytes.length - 1];
  if (last === LF) return LINE_START;
  const before = bytes.length === 1 ? state === LINE_START : bytes[bytes.length - 2] === LF;
  return last === CR && before ? LINE_START_CR : IN_LINE;
}

/**
 * Header fields of a header block: continuation lines (starting with space
 * or tab) are unfolded into the field before them; a line without a colon
 * (an mbox `From ` line, a field cut at the size limit) is skipped.
 */
export function parseHeaders(block: Buffer): CapturedHeader[] {
  const text = new TextDecoder('utf-8').decode(block);
  const lines = text.split('\n');
  // Without the final line break the last line may be a field cut short: drop it.
  if (!text.endsWith('\n')) lines.pop();
  const headers: CapturedHeader[] = [];
  let name: string | undefined;
  let value = '';
  const flush = () => {
    if (name !== undefined) headers.push({ name, value: value.trim() });
    name = undefined;
  };
  for (const raw of lines) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '') break;
    if (line[0] === ' ' || line[0] === '\t') {
      if (name !== undefined) value += line;
      continue;
    }
    flush();
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    name = line.slice(0, colon).trimEnd();
    value = line.slice(colon + 1);
  }
  flush();
  return headers;
}

/**
 * Passes `content` through unchanged while `capture` keeps it in place of
 * what it held: a held message that a `beforeRelay` plugin replaced is
 * captured as the MX receives it (dot-unstuffed content, like BDAT octets).
 */
export async function* recaptured(
  content: AsyncIterable<Uint8Array>,
  capture: MessageCapture,
): AsyncIterable<Uint8Array> {
  capture.reset();
  for await (const chunk of content) {
    capture.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength), false);
    yield chunk;
  }
}

/**
 * `capture` of the relay's options with its defaults (`envelope`, 1 MiB).
 *
 * @throws WarpError `WARP_ERR_RELAY_CAPTURE_OPTIONS` for an unknown level or a bad limit.
 */
export function resolveCaptureOptions(
  options: MessageCaptureOptions | undefined,
): Required<MessageCaptureOptions> {
  const level = options?.level ?? 'envelope';
  const maxContentBytes = options?.maxContentBytes ?? DEFAULT_MAX_CONTENT_BYTES;
  if (
    !['envelope', 'headers', 'full'].includes(level) ||
    !Number.isSafeInteger(maxContentBytes) ||
    maxContentBytes < 0
  )
    throw new WarpError(
      'WARP_ERR_RELAY_CAPTURE_OPTIONS',
      `[warp] [relay] capture needs level 'envelope', 'headers' or 'full' and maxContentBytes a whole number >= 0; got level ${JSON.stringify(level)}, maxContentBytes ${maxContentBytes}`,
    );
  return { level, maxContentBytes };
}

/**
 * A session's capture, or undefined at level `envelope` (the default): the
 * session then keeps nothing and pays nothing.
 */
export function createMessageCapture(
  options: Required<MessageCaptureOptions>,
): MessageCapture | undefined {
  if (options.level === 'envelope') return undefined;
  return new MessageCapture(options.level === 'full', options.maxContentBytes);
}
