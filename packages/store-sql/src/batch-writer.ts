import { randomBytes } from 'node:crypto';
import { channel } from 'node:diagnostics_channel';
import type { WarpEvent } from '@warp/hooks';
import { WarpError } from '@warp/hooks';
import { type Kysely, sql } from 'kysely';
import { eventRows } from './internal/event-rows';
import { SessionMemo } from './internal/session-memo';
import { writeBatch } from './internal/write-batch';
import type { StoreDatabase } from './schema';
import { Spool, type SpooledBatch } from './spool';

/** Options of {@link BatchWriter}. */
export interface BatchWriterOptions {
  /** Written in `warp_batches.node_id`; events keep their own `nodeId`. */
  nodeId: string;
  /** Events per database transaction at most. Default 2000. */
  batchSize?: number;
  /** Longest an event waits before its batch is written, in ms. Default 25. */
  flushIntervalMs?: number;
  /** Events held in memory while a write runs before they go to the spool. Default 20000. */
  maxPendingEvents?: number;
  /** Spool file; without one, events that cannot be written are dropped (and counted). */
  spoolPath?: string;
  /** Spool capacity in bytes. Default 64 MiB. */
  spoolMaxBytes?: number;
  /** Pause between attempts while the database is unavailable, in ms. Default 1000. */
  retryIntervalMs?: number;
  /**
   * Run before the first write, and again before each attempt until it
   * succeeds (migrations: a database that is down at start is prepared when it comes back).
   */
  prepare?: () => Promise<unknown>;
  /** Called with coded errors (`WARP_ERR_STORE_UNAVAILABLE`, `WARP_ERR_STORE_SPOOL_FULL`). */
  onError?: (error: WarpError) => void;
}

/** Counters of a {@link BatchWriter}. */
export interface BatchWriterStats {
  /** Events written to the database. */
  written: number;
  /** Events waiting in memory. */
  pending: number;
  /** Bytes waiting in the spool. */
  spoolBytes: number;
  /** Events lost because the spool was full (or absent) while the database was unavailable. */
  dropped: number;
  /** Whether the last write failed. */
  unavailable: boolean;
}

/** Codes of drivers' errors that say the connection broke, not that the database refused the batch. */
const CONNECTION_CODES = new Set([
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR',
  'PROTOCOL_ENQUEUE_AFTER_QUIT',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'SQLITE_BUSY',
]);

/** Whether a write failed because of the connection (retry it) rather than for what the batch holds. */
function isConnectionError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, fatal, message } = error as { code?: unknown; fatal?: unknown; message?: unknown };
  return (
    fatal === true ||
    (typeof code === 'string' && CONNECTION_CODES.has(code)) ||
    // mysql2 hands out a pooled connection that closed under it with this message and no code.
    (typeof message === 'string' && message.includes('connection is in closed state'))
  );
}

/** Failed attempts of one batch, with the database answering, before the batch is dropped. */
const POISON_ATTEMPTS = 3;

const writtenChannel = channel('warp:store:batch-written');
const unavailableChannel = channel('warp:store:unavailable');
const recoveredChannel = channel('warp:store:recovered');
const droppedChannel = channel('warp:store:dropped');

/**
 * Writes events to a store in batches, off the caller's path: `add()` only
 * queues. One batch is written at a time, in one database transaction. When
 * the database fails or falls behind, batches go to a bounded spool file and
 * are replayed in order, exactly once, when it is back.
 *
 * @example
 * ```ts
 * const writer = new BatchWriter(db, { nodeId: 'mx-out-1', spoolPath: './warp.spool' });
 * writer.start();
 * writer.add(events);
 * await writer.close();
 * ```
 */
export class BatchWriter {
  readonly #db: Kysely<StoreDatabase>;
  readonly #options: Required<Omit<BatchWriterOptions, 'spoolPath' | 'onError' | 'prepare'>> &
    Pick<BatchWriterOptions, 'onError' | 'prepare'>;
  readonly #spool: Spool | undefined;
  readonly #memo = new SessionMemo();
  readonly #prefix = `${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`;
  #sequence = 0;
  #pending: WarpEvent[] = [];
  /** `performance.now()` when the oldest event in memory was added. */
  #oldestAt = 0;
  /** Rows of batches already folded, so a retried batch is folded once (the memo moved on). */
  readonly #rows = new WeakMap<SpooledBatch, ReturnType<typeof eventRows>>();
  #retry: SpooledBatch | undefined;
  #written = 0;
  #dropped = 0;
  #unavailable = false;
  #prepared = false;
  #failures = 0;
  #failingId = '';
  #lastError: unknown;
  #closing = false;
  #running: Promise<void> | undefined;
  /** Ends the current sleep when it waits for events (not when it waits to retry). */
  #wake: (() => void) | undefined;
  /** Ends the current sleep, whatever it waits for (close). */
  #interrupt: (() => void) | undefined;
  #idle: Array<() => void> = [];

  constructor(db: Kysely<StoreDatabase>, options: BatchWriterOptions) {
    this.#db = db;
    this.#options = {
      batchSize: 2000,
      flushIntervalMs: 25,
      maxPendingEvents: 20_000,
      spoolMaxBytes: 64 * 1024 * 1024,
      retryIntervalMs: 1000,
      ...options,
    };
    this.#spool = options.spoolPath
      ? new Spool(options.spoolPath, this.#options.spoolMaxBytes)
      : undefined;
  }

  /** Start writing (replays the spool left by a previous run first). */
  start(): void {
    this.#running ??= this.#pump();
  }

  /** Queue events. Never blocks, never throws. */
  add(events: readonly WarpEvent[]): void {
    if (this.#closing) return;
    const wasEmpty = this.#pending.length === 0;
    if (wasEmpty) this.#oldestAt = performance.now();
    for (const event of events) this.#pending.push(event);
    if (this.#pending.length > this.#options.maxPendingEvents) this.#spill();
    // Wake the pump to start the flush interval, to write a full batch, or to replay the spool.
    if (wasEmpty || this.#pending.length === 0 || this.#pending.length >= this.#options.batchSize) {
      this.#wake?.();
    }
  }

  /** Resolves when everything added so far is in the database (or counted as dropped). */
  flush(): Promise<void> {
    if (this.#isDrained()) return Promise.resolve();
    this.#wake?.();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Write what is queued (spooling it if the database is unavailable) and stop. */
  async close(): Promise<void> {
    this.#closing = true;
    this.#interrupt?.();
    await this.#running;
    if (this.#retry && this.#spool) this.#spool.prepend(this.#retry);
    else if (this.#retry) this.#drop(this.#retry.events.length);
    this.#retry = undefined;
    this.#spill();
    for (const resolve of this.#idle.splice(0)) resolve();
  }

  /** Counters, for metrics and tests. */
  stats(): BatchWriterStats {
    return {
      written: this.#written,
      pending: this.#pending.length,
      spoolBytes: this.#spool?.pendingBytes ?? 0,
      dropped: this.#dropped,
      unavailable: this.#unavailable,
    };
  }

  #isDrained(): boolean {
    return (
      this.#pending.length === 0 && this.#retry === undefined && (this.#spool?.isEmpty ?? true)
    );
  }

  #nextBatch(): SpooledBatch {
    const events = this.#pending.splice(0, this.#options.batchSize);
    this.#oldestAt = performance.now();
    return { id: `${this.#prefix}-${this.#sequence++}`, events };
  }

  /** Move everything in memory to the spool (order: spool before memory is kept). */
  #spill(): void {
    while (this.#pending.length > 0) {
      const batch = this.#nextBatch();
      if (!this.#spool?.append(batch)) this.#drop(batch.events.length);
    }
  }

  #drop(count: number): void {
    this.#dropped += count;
    droppedChannel.publish({ count, total: this.#dropped });
    this.#options.onError?.(
      new WarpError(
        'WARP_ERR_STORE_SPOOL_FULL',
        `[warp] [store-sql] ${count} events dropped (${this.#dropped} in total): the database is unavailable and the spool is ${this.#spool ? 'full' : 'not configured'}; raise spoolMaxBytes or fix the database`,
      ),
    );
  }

  async #pump(): Promise<void> {
    for (;;) {
      const retry = this.#retry && { batch: this.#retry, source: 'memory' as const, bytes: 0 };
      const batch = retry ?? this.#spooled() ?? this.#fromMemory();
      if (batch === undefined) {
        for (const resolve of this.#idle.splice(0)) resolve();
        if (this.#closing) return;
        const age = performance.now() - this.#oldestAt;
        await this.#sleep(
          this.#pending.length > 0 ? this.#options.flushIntervalMs - age : 3_600_000,
        );
        continue;
      }
      if (!(await this.#write(batch.batch))) {
        if (await this.#isPoison(batch.batch)) {
          this.#reject(batch.batch);
        } else {
          if (batch.source === 'memory') this.#retry = batch.batch;
          if (this.#closing) return;
          await this.#sleep(this.#options.retryIntervalMs, false);
          continue;
        }
      }
      this.#failures = 0;
      if (batch.source === 'spool') this.#spool?.advance(batch.bytes);
      if (batch.source === 'memory') this.#retry = undefined;
    }
  }

  /**
   * A batch that failed {@link POISON_ATTEMPTS} times while the database
   * answers `select 1` is refused for what it holds, not for an outage:
   * retrying it would block every later event. A connection that broke
   * (a pooled MySQL connection that died with the server it was opened to)
   * is an outage whatever `select 1` on a fresh connection says.
   */
  async #isPoison(batch: SpooledBatch): Promise<boolean> {
    if (isConnectionError(this.#lastError)) return false;
    this.#failures = this.#failingId === batch.id ? this.#failures + 1 : 1;
    this.#failingId = batch.id;
    if (this.#failures < POISON_ATTEMPTS) return false;
    try {
      await sql`select 1`.execute(this.#db);
      return true;
    } catch {
      return false;
    }
  }

  #reject(batch: SpooledBatch): void {
    this.#dropped += batch.events.length;
    droppedChannel.publish({ count: batch.events.length, total: this.#dropped });
    this.#options.onError?.(
      new WarpError(
        'WARP_ERR_STORE_BATCH_REJECTED',
        `[warp] [store-sql] the database refused batch ${batch.id} (${batch.events.length} events) ${POISON_ATTEMPTS} times while answering queries: the batch was dropped; report the error this one wraps`,
        { cause: this.#lastError },
      ),
    );
  }

  #spooled(): { batch: SpooledBatch; source: 'spool'; bytes: number } | undefined {
    const next = this.#spool?.peek();
    return next && { ...next, source: 'spool' };
  }

  #fromMemory(): { batch: SpooledBatch; source: 'memory'; bytes: 0 } | undefined {
    if (this.#pending.length === 0) return undefined;
    const young = performance.now() - this.#oldestAt < this.#options.flushIntervalMs;
    // Give a young batch its interval to grow, unless someone waits for it.
    if (
      young &&
      this.#pending.length < this.#options.batchSize &&
      !this.#closing &&
      this.#idle.length === 0
    ) {
      return undefined;
    }
    return { batch: this.#nextBatch(), source: 'memory', bytes: 0 };
  }

  async #write(batch: SpooledBatch): Promise<boolean> {
    try {
      if (!this.#prepared) {
        await this.#options.prepare?.();
        this.#prepared = true;
      }
      let rows = this.#rows.get(batch);
      if (rows === undefined) {
        rows = eventRows(batch.events, this.#memo);
        this.#rows.set(batch, rows);
      }
      const isNew = await writeBatch(this.#db, {
        id: batch.id,
        nodeId: this.#options.nodeId,
        rows,
      });
      if (isNew) this.#written += batch.events.length;
      writtenChannel.publish({ id: batch.id, events: batch.events.length, replay: !isNew });
      if (this.#unavailable) recoveredChannel.publish({ nodeId: this.#options.nodeId });
      this.#unavailable = false;
      return true;
    } catch (cause) {
      this.#lastError = cause;
      if (!this.#unavailable) {
        const error = new WarpError(
          'WARP_ERR_STORE_UNAVAILABLE',
          `[warp] [store-sql] cannot write to the database (${(cause as Error)?.message ?? cause}): events go to the spool until it answers again`,
          { cause },
        );
        unavailableChannel.publish({ error });
        this.#options.onError?.(error);
      }
      this.#unavailable = true;
      return false;
    }
  }

  #sleep(ms: number, wakeable = true): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#wake = undefined;
        this.#interrupt = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      this.#interrupt = done;
      this.#wake = wakeable ? done : undefined;
    });
  }
}
