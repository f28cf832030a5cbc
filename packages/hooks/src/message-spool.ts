import { createReadStream } from 'node:fs';
import { type FileHandle, mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MessageContent } from './deciders';
import { WarpError } from './warp-error';

/** Options of {@link MessageSpool}. */
export interface MessageSpoolOptions {
  /** Bytes kept in memory; past this the message moves to a temporary file. Default 1 MiB. */
  readonly memoryLimit?: number;
  /** Where temporary files go. Default `os.tmpdir()`. */
  readonly directory?: string;
}

/** A finished spool: the message content plus `dispose()` to free memory / delete the file. */
export interface SpooledMessage extends MessageContent {
  /** Where the content lives: `memory` or the temporary file's path. */
  readonly location: 'memory' | string;
  /** Release the content (delete the temporary file). Safe to call twice. */
  dispose(): Promise<void>;
}

/**
 * Collects a message for `beforeRelay`: in memory up to `memoryLimit`, then in
 * a temporary file (mode 0600, in its own directory), so large messages never
 * sit whole in memory. Await each `write` (that is the backpressure).
 *
 * @example
 * ```ts
 * const spool = new MessageSpool({ memoryLimit: 1 << 20 });
 * for await (const chunk of data) await spool.write(chunk);
 * const message = await spool.finish();
 * try { await bus.beforeRelay({ ...context, message }); } finally { await message.dispose(); }
 * ```
 */
export class MessageSpool {
  readonly #memoryLimit: number;
  readonly #directory: string;
  #chunks: Uint8Array[] = [];
  #size = 0;
  #file: { dir: string; path: string; handle: FileHandle } | null = null;
  #finished = false;

  constructor(options: MessageSpoolOptions = {}) {
    this.#memoryLimit = options.memoryLimit ?? 1 << 20;
    this.#directory = options.directory ?? tmpdir();
  }

  /** Bytes written so far. */
  get size(): number {
    return this.#size;
  }

  /** Append a chunk (copied when kept in memory, so the caller may reuse its buffer). */
  async write(chunk: Uint8Array): Promise<void> {
    if (this.#finished) {
      throw new WarpError(
        'WARP_ERR_HOOKS_SPOOL_FINISHED',
        '[warp] [hooks] MessageSpool.write after finish(): create a new spool per message',
      );
    }
    this.#size += chunk.byteLength;
    if (this.#file) {
      await this.#file.handle.write(chunk).catch((error: unknown) => {
        throw spoolWriteError(this.#directory, error);
      });
      return;
    }
    this.#chunks.push(Uint8Array.from(chunk));
    if (this.#size > this.#memoryLimit) await this.#moveToFile();
  }

  /** Stop writing and get the content. */
  async finish(): Promise<SpooledMessage> {
    this.#finished = true;
    const size = this.#size;
    if (!this.#file) return memoryMessage(Buffer.concat(this.#chunks, size));
    const { dir, path, handle } = this.#file;
    await handle.close();
    let disposed = false;
    return {
      size,
      location: path,
      stream: () => createReadStream(path, { highWaterMark: 64 * 1024 }),
      bytes: async () => new Uint8Array(await readFile(path)),
      async dispose() {
        if (disposed) return;
        disposed = true;
        await rm(dir, { recursive: true, force: true });
      },
    };
  }

  /** Abandon the spool (deletes the temporary file if any). */
  async discard(): Promise<void> {
    this.#finished = true;
    this.#chunks = [];
    if (!this.#file) return;
    const { dir, handle } = this.#file;
    await handle.close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }

  async #moveToFile(): Promise<void> {
    let dir: string | undefined;
    try {
      dir = await mkdtemp(join(this.#directory, 'warp-spool-'));
      const path = join(dir, 'message.eml');
      const handle = await open(path, 'wx', 0o600);
      this.#file = { dir, path, handle };
      await handle.write(Buffer.concat(this.#chunks));
      this.#chunks = [];
    } catch (error) {
      if (dir) await rm(dir, { recursive: true, force: true });
      throw spoolWriteError(this.#directory, error);
    }
  }
}

function spoolWriteError(directory: string, cause: unknown): WarpError {
  return new WarpError(
    'WARP_ERR_HOOKS_SPOOL_WRITE',
    `[warp] [hooks] cannot spool a message under ${directory}: check free space and permissions of the spool directory`,
    { cause },
  );
}

/** Wrap bytes already in memory as message content. */
export function memoryMessage(bytes: Uint8Array): SpooledMessage {
  return {
    size: bytes.byteLength,
    location: 'memory',
    async *stream() {
      yield bytes;
    },
    bytes: async () => bytes,
    dispose: async () => undefined,
  };
}

/** Spool an async iterable of chunks (e.g. a `replace` answer) into a {@link SpooledMessage}. */
export async function spoolMessage(
  content: Uint8Array | AsyncIterable<Uint8Array>,
  options: MessageSpoolOptions = {},
): Promise<SpooledMessage> {
  if (content instanceof Uint8Array) return memoryMessage(content);
  const spool = new MessageSpool(options);
  try {
    for await (const chunk of content) await spool.write(chunk);
  } catch (error) {
    await spool.discard();
    throw error;
  }
  return spool.finish();
}
