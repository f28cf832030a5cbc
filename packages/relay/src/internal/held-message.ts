import { MessageSpool, type SpooledMessage } from '@warp/hooks';

const DOT = 0x2e;
const LF = 0x0a;
const DOT_BYTE = Buffer.from('.');
const view = (chunk: Uint8Array) => Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);

/** Offsets of the dots that start a line inside `bytes` (after an LF within it). */
function lineDots(bytes: Buffer): number[] {
  const dots: number[] = [];
  for (
    let lf = bytes.indexOf(LF);
    lf !== -1 && lf + 1 < bytes.length;
    lf = bytes.indexOf(LF, lf + 1)
  )
    if (bytes[lf + 1] === DOT) dots.push(lf + 1);
  return dots;
}

/**
 * Removes DATA dot-stuffing (RFC 5321 4.5.2: a line starting with `.` got one
 * more) from a stream of content chunks, whatever their boundaries.
 */
export function dotUnstuffer(): (chunk: Uint8Array) => Buffer {
  let atLineStart = true;
  return (chunk) => {
    const bytes = view(chunk);
    if (bytes.length === 0) return bytes;
    const parts: Buffer[] = [];
    let start = atLineStart && bytes[0] === DOT ? 1 : 0;
    for (const dot of lineDots(bytes)) {
      if (dot < start) continue;
      parts.push(bytes.subarray(start, dot));
      start = dot + 1;
    }
    parts.push(bytes.subarray(start));
    atLineStart = bytes[bytes.length - 1] === LF;
    return Buffer.concat(parts);
  };
}

/** Dot-stuffs content for DATA and ends it with CRLF `.` CRLF (adding a CRLF a last line lacks). */
export async function* dotStuffed(content: AsyncIterable<Uint8Array>): AsyncIterable<Buffer> {
  let atLineStart = true;
  for await (const chunk of content) {
    const bytes = view(chunk);
    if (bytes.length === 0) continue;
    const parts: Buffer[] = atLineStart && bytes[0] === DOT ? [DOT_BYTE] : [];
    let start = 0;
    for (const dot of lineDots(bytes)) {
      parts.push(bytes.subarray(start, dot), DOT_BYTE);
      start = dot;
    }
    parts.push(bytes.subarray(start));
    atLineStart = bytes[bytes.length - 1] === LF;
    yield Buffer.concat(parts);
  }
  yield Buffer.from(atLineStart ? '.\r\n' : '\r\n.\r\n');
}

/**
 * A message held back from the MX while `beforeRelay` decides: the MTA's
 * DATA content, dot-unstuffed, in a {@link MessageSpool} (memory, then a
 * temporary file past its limit).
 */
export class HeldMessage {
  readonly #spool = new MessageSpool();
  readonly #unstuff = dotUnstuffer();
  #writes: Promise<void> = Promise.resolve();
  #failure: unknown;

  /** Appends DATA content as received (dot-stuffed). */
  write(chunk: Uint8Array): void {
    const bytes = this.#unstuff(chunk);
    this.#writes = this.#writes
      .then(() => (this.#failure === undefined ? this.#spool.write(bytes) : undefined))
      .catch((error: unknown) => {
        this.#failure ??= error;
      });
  }

  /** Abandons the message (deletes its temporary file, if any). */
  async discard(): Promise<void> {
    await this.#writes;
    await this.#spool.discard();
  }

  /** The whole message once every write landed; rejects when spooling failed. */
  async finish(): Promise<SpooledMessage> {
    await this.#writes;
    if (this.#failure !== undefined) {
      await this.#spool.discard();
      throw this.#failure;
    }
    return this.#spool.finish();
  }
}
