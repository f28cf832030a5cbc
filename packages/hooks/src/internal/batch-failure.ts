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
