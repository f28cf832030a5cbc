import type { Writable } from 'node:stream';
import { WarpError } from '@warp/hooks';

/**
 * Lines to a stream (standard output). Waits for each write to be accepted,
 * and keeps stream errors (EPIPE when the reader went away) from crashing the
 * process: they are thrown from the next `write` as `WARP_ERR_FILE_WRITE`.
 */
export class StreamSink {
  readonly #stream: Writable;
  #error: Error | null = null;
  readonly #onError = (error: Error) => {
    this.#error = error;
  };

  constructor(stream: Writable) {
    this.#stream = stream;
  }

  async open(): Promise<void> {
    this.#stream.on('error', this.#onError);
  }

  async write(text: string): Promise<void> {
    try {
      if (this.#error) throw this.#error;
      await new Promise<void>((resolve, reject) => {
        this.#stream.write(text, (error) => (error ? reject(error) : resolve()));
      });
    } catch (error) {
      throw new WarpError(
        'WARP_ERR_FILE_WRITE',
        `[warp] [plugin-file] cannot write to standard output, ${text.split('\n').length - 1} events lost: ${(error as Error).message}: check what reads warpd's output`,
        { cause: error },
      );
    }
  }

  async close(): Promise<void> {
    this.#stream.off('error', this.#onError);
  }
}
