import { type FileHandle, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { WarpError } from '@warp/hooks';
import { isRotatedName, rotatedName } from './rotated-name';

/** Settings of a {@link JsonLinesFile}. */
export interface JsonLinesFileOptions {
  readonly path: string;
  readonly maxBytes?: number;
  readonly daily?: boolean;
  readonly keep?: number;
  readonly mode?: number;
  /** Clock, for tests of daily rotation. */
  readonly now?: () => Date;
}

const dayOf = (date: Date) => date.toISOString().slice(0, 10);

/**
 * An append-only file that rotates by size and by UTC day. Each `write`
 * appends whole lines (one batch) so a line is never split across files.
 * After a failed write the file is reopened on the next one.
 */
export class JsonLinesFile {
  readonly #options: JsonLinesFileOptions;
  readonly #now: () => Date;
  #handle: FileHandle | null = null;
  #size = 0;
  #day = '';

  constructor(options: JsonLinesFileOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => new Date());
  }

  /** Open (create) the file; throws `WARP_ERR_FILE_OPEN`. */
  async open(): Promise<void> {
    const { path } = this.#options;
    try {
      await mkdir(dirname(path), { recursive: true });
      this.#handle = await open(path, 'a', this.#options.mode ?? 0o640);
      const info = await this.#handle.stat();
      this.#size = info.size;
      // A file left by a previous run belongs to the day it was last written.
      this.#day = dayOf(info.size > 0 ? info.mtime : this.#now());
    } catch (error) {
      this.#handle = null;
      throw new WarpError(
        'WARP_ERR_FILE_OPEN',
        `[warp] [plugin-file] cannot open ${path}: ${(error as Error).message}: check the path, its directory and permissions`,
        { cause: error },
      );
    }
  }

  /** Append `text` (whole lines), rotating first when needed; throws `WARP_ERR_FILE_WRITE`. */
  async write(text: string): Promise<void> {
    const bytes = Buffer.byteLength(text);
    try {
      if (!this.#handle) await this.open();
      const now = this.#now();
      const { maxBytes, daily } = this.#options;
      const dayChanged = daily === true && dayOf(now) !== this.#day;
      const full = maxBytes !== undefined && this.#size + bytes > maxBytes;
      if (this.#size > 0 && (dayChanged || full)) await this.#rotate(now);
      await this.#handle!.appendFile(text);
      this.#size += bytes;
      this.#day = dayOf(now);
    } catch (error) {
      await this.#handle?.close().catch(() => undefined);
      this.#handle = null;
      throw new WarpError(
        'WARP_ERR_FILE_WRITE',
        `[warp] [plugin-file] cannot write ${this.#options.path}, ${text.split('\n').length - 1} events lost: ${(error as Error).message}: check free space and permissions`,
        { cause: error },
      );
    }
  }

  /** Sync and close. */
  async close(): Promise<void> {
    const handle = this.#handle;
    this.#handle = null;
    if (!handle) return;
    await handle.sync().catch(() => undefined);
    await handle.close();
  }

  async #rotate(now: Date): Promise<void> {
    const { path, keep } = this.#options;
    await this.#handle!.close();
    this.#handle = null;
    let attempt = 0;
    let target = rotatedName(path, now);
    while (await exists(target)) target = rotatedName(path, now, ++attempt);
    await rename(path, target);
    await this.open();
    if (keep !== undefined) await prune(path, keep);
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function prune(path: string, keep: number): Promise<void> {
  const dir = dirname(path);
  const rotated = (await readdir(dir)).filter(
    (name) => isRotatedName(path, name) && name !== basename(path),
  );
  // Names embed a sortable UTC stamp; the counter breaks ties within a second.
  rotated.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  for (const name of rotated.slice(0, Math.max(0, rotated.length - keep))) {
    await rm(join(dir, name), { force: true });
  }
}
