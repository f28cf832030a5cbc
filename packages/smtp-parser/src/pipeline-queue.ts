import type { Reply } from './reply';

/** Options for {@link PipelineQueue}. */
export interface PipelineQueueOptions {
  /** Monotonic clock in milliseconds. Default `performance.now`. */
  now?: () => number;
}

/** A reply matched to the request it answers. */
export interface Exchange<T> {
  request: T;
  reply: Reply;
  /** Clock reading when the request was pushed. */
  sentAt: number;
  /** Clock reading when the reply was matched. */
  repliedAt: number;
  /** `repliedAt - sentAt`, in milliseconds. */
  latency: number;
}

/**
 * FIFO of outstanding requests for RFC 2920 pipelining: replies come back in
 * order, so each reply answers the oldest request not yet answered.
 * A request is whatever the caller needs to remember: a `Command`, or the
 * `data-end` / `bdat-end` event whose reply is the end-of-data reply (DATA gets
 * two replies: 354 to the command, then one to the content).
 *
 * @example
 * const queue = new PipelineQueue<Command | DataEndEvent>();
 * queue.push(command);               // as each command is parsed
 * const exchange = queue.settle(reply); // as each reply is parsed
 * // exchange.request.verb === 'RCPT', exchange.reply.code === 421, exchange.latency === 1800.2
 */
export class PipelineQueue<T> {
  private readonly now: () => number;
  private requests: T[] = [];
  private times: number[] = [];
  private head = 0;

  constructor(options: PipelineQueueOptions = {}) {
    this.now = options.now ?? (() => performance.now());
  }

  /** Number of requests waiting for a reply. */
  get size(): number {
    return this.requests.length - this.head;
  }

  /** The oldest unanswered request, if any. */
  peek(): T | undefined {
    return this.head < this.requests.length ? this.requests[this.head] : undefined;
  }

  /** Records a request sent at `at` (default: now). */
  push(request: T, at: number = this.now()): void {
    this.requests.push(request);
    this.times.push(at);
  }

  /**
   * Matches `reply` to the oldest unanswered request. Returns `undefined` for a
   * reply nobody asked for (the greeting, an unsolicited 421 before shutdown).
   */
  settle(reply: Reply, at: number = this.now()): Exchange<T> | undefined {
    if (this.head >= this.requests.length) return undefined;
    const request = this.requests[this.head]!;
    const sentAt = this.times[this.head]!;
    this.head++;
    if (this.head > 64 && this.head * 2 > this.requests.length) {
      this.requests = this.requests.slice(this.head);
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
    return { request, reply, sentAt, repliedAt: at, latency: at - sentAt };
  }

  /** Drops and returns every unanswered request (connection closed, session reset). */
  clear(): T[] {
    const left = this.requests.slice(this.head);
    this.requests = [];
    this.times = [];
    this.head = 0;
    return left;
  }
}
