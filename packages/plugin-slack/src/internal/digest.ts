import { setTimeout as sleep } from 'node:timers/promises';

/** Settings of a {@link Digest}. */
export interface DigestOptions {
  /** At most one message per this many ms. */
  readonly intervalMs: number;
  /** Lines per message. */
  readonly maxLines: number;
  /** Lines waiting at most; more are counted only. */
  readonly maxPending: number;
  /** First line of every message. */
  readonly title: string;
  /** Sends one message; may retry for a long time; throws when it gives up. */
  readonly send: (text: string) => Promise<void>;
  /** A message could not be sent. */
  readonly onError: (error: unknown) => void;
}

/**
 * Collects lines and sends them as messages of at most `maxLines`, no more
 * often than once per `intervalMs` (Slack: about one message per second per
 * channel). Never blocks `add`; lines past `maxPending` are counted and the
 * count is sent instead.
 */
export class Digest {
  readonly #options: DigestOptions;
  #pending: string[] = [];
  #omitted = 0;
  #nextAt = 0;
  #pump: Promise<void> | null = null;

  constructor(options: DigestOptions) {
    this.#options = options;
  }

  /** Queue a line; sending starts at once or when the interval allows. */
  add(line: string): void {
    if (this.#pending.length >= this.#options.maxPending) this.#omitted++;
    else this.#pending.push(line);
    this.#kick();
  }

  #kick(): void {
    if (this.#pump) return;
    this.#pump = this.#run().finally(() => {
      this.#pump = null;
      // A line added between the loop's last check and here starts a new run.
      if (this.#pending.length > 0 || this.#omitted > 0) this.#kick();
    });
  }

  /** Resolves when every queued line has been sent (or given up on). */
  async flush(): Promise<void> {
    while (this.#pump) await this.#pump;
  }

  async #run(): Promise<void> {
    while (this.#pending.length > 0 || this.#omitted > 0) {
      const wait = this.#nextAt - performance.now();
      // Wait a tick even when allowed now, so lines added in the same burst share a message.
      await sleep(Math.max(wait, 0), undefined, { ref: false });
      const lines = this.#pending.splice(0, this.#options.maxLines);
      const more = this.#pending.length + this.#omitted;
      const omitted = this.#omitted;
      this.#omitted = 0;
      let text = `${this.#options.title}: ${lines.length + omitted} notification${lines.length + omitted === 1 ? '' : 's'}\n${lines.join('\n')}`;
      if (omitted > 0) text += `\n…and ${omitted} more not shown (over maxPending)`;
      if (more - omitted > 0) text += `\n(${more - omitted} more to follow)`;
      try {
        await this.#options.send(text);
      } catch (error) {
        this.#options.onError(error);
      }
      this.#nextAt = performance.now() + this.#options.intervalMs;
    }
  }
}
