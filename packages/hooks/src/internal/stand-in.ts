import type { WarpEvent } from '../events';

/**
 * The bus's context carries, under this key, a way to report that a batch of
 * events failed in the plugin's event hook after the hook call itself had
 * returned: a worker plugin takes a batch at once and learns later that the
 * worker's plugin threw on it. The notice names the event hook, as it would
 * for a plugin in the relay's thread.
 */
export const REPORT_BATCH_FAILURE: unique symbol = Symbol('warp.reportBatchFailure');

export type ReportBatchFailure = (error: unknown, first: WarpEvent | undefined) => void;

/**
 * A plugin that takes events before it has handled them (a worker plugin)
 * carries, under this key, what the bus's close waits for: the events it
 * holds, and a promise for when they are handled.
 */
export const HANDED_OVER: unique symbol = Symbol('warp.handedOver');

export interface HandedOver {
  /** Whether it holds events taken and not yet handled. */
  busy(): boolean;
  /** How many. */
  held(): number;
  /** Hands on what waits and resolves once everything taken so far is handled. */
  settled(): Promise<void>;
  /** Gives up: the worker is stopped whatever it is doing (a close or init past its deadline). */
  abandon(): void;
}
