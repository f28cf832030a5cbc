import type { WarpEvent } from '../events';
import type { PluginHooks } from '../plugin';

/** Drops of a plugin whose batch never ends are still reported this often. */
const DROP_REPORT_MS = 1000;

/** Callbacks and limits of an {@link ObserverQueue}. */
export interface ObserverQueueOptions {
  /** Most events waiting; beyond it new events are dropped and counted. */
  readonly capacity: number;
  /** Most events handed over in one `onEvents` call (one turn for `onEvent`). */
  readonly batchSize: number;
  /** A batch running longer than this triggers `onSlow` (once per batch). */
  readonly slowMs: number;
  /** The plugin's observer hooks. */
  readonly hooks: Pick<PluginHooks, 'onEvent' | 'onEvents'>;
  /** A hook threw or rejected while handling `event`. */
  onFailure(error: unknown, event: WarpEvent): void;
  /** A batch is still running after `slowMs`. */
  onSlow(): void;
  /** Events were dropped since the last call (`count`), `total` since start. */
  onDropped(count: number, total: number): void;
}

/**
 * One plugin's bounded FIFO of events, drained off the caller's path
 * (`setImmediate`), one batch at a time: a plugin never runs two batches at
 * once, so it sees every session's events in order.
 */
export class ObserverQueue {
  #items: WarpEvent[] = [];
  #head = 0;
  #scheduled = false;
  #running = false;
  #pendingDrops = 0;
  #dropped = 0;
  #dropTimer: NodeJS.Timeout | null = null;
  #delivered = 0;
  #failures = 0;
  #idleWaiters: (() => void)[] = [];
  readonly #options: ObserverQueueOptions;

  constructor(options: ObserverQueueOptions) {
    this.#options = options;
  }

  /** Events waiting to be delivered. */
  get size(): number {
    return this.#items.length - this.#head;
  }

  /** Whether events wait or a batch runs. */
  get busy(): boolean {
    return this.size > 0 || this.#running || this.#scheduled;
  }

  /** Counters since start. */
  get stats() {
    return {
      queued: this.size,
      delivered: this.#delivered,
      dropped: this.#dropped,
      failures: this.#failures,
    };
  }

  /** Queue `event`; returns `false` (and counts a drop) when the queue is full. */
  push(event: WarpEvent): boolean {
    if (this.size >= this.#options.capacity) {
      this.#pendingDrops++;
      this.#dropped++;
      // A hung plugin never finishes a batch: report its drops on a timer too.
      this.#dropTimer ??= setTimeout(() => this.#reportDrops(), DROP_REPORT_MS).unref();
      return false;
    }
    this.#items.push(event);
    if (!this.#scheduled && !this.#running) {
      this.#scheduled = true;
      setImmediate(() => void this.#drain());
    }
    return true;
  }

  /** Resolves once every event queued so far has been handled. */
  idle(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  async #drain(): Promise<void> {
    this.#scheduled = false;
    this.#running = true;
    while (this.size > 0) {
      const end = Math.min(this.#items.length, this.#head + this.#options.batchSize);
      const batch = this.#items.slice(this.#head, end);
      this.#head = end;
      if (this.#head > 4096 && this.#head * 2 > this.#items.length) {
        this.#items = this.#items.slice(this.#head);
        this.#head = 0;
      }
      await this.#deliver(batch);
      this.#delivered += batch.length;
      this.#reportDrops();
    }
    this.#items = [];
    this.#head = 0;
    this.#running = false;
    for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }

  #reportDrops(): void {
    if (this.#dropTimer) clearTimeout(this.#dropTimer);
    this.#dropTimer = null;
    if (this.#pendingDrops === 0) return;
    const count = this.#pendingDrops;
    this.#pendingDrops = 0;
    this.#options.onDropped(count, this.#dropped);
  }

  async #deliver(batch: WarpEvent[]): Promise<void> {
    const timer = setTimeout(() => this.#options.onSlow(), this.#options.slowMs);
    timer.unref();
    try {
      const { onEvent, onEvents } = this.#options.hooks;
      if (onEvents) {
        await this.#run(() => onEvents(batch), batch[0]!);
      } else if (onEvent) {
        for (const event of batch) await this.#run(() => onEvent(event), event);
      }
    } finally {
      clearTimeout(timer);
    }
  }

  async #run(call: () => void | Promise<void>, event: WarpEvent): Promise<void> {
    try {
      const result = call();
      if (result !== undefined && typeof (result as Promise<void>).then === 'function') {
        await result;
      }
    } catch (error) {
      this.#failures++;
      this.#options.onFailure(error, event);
    }
  }
}
