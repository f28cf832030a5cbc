import type { DeciderCall } from '../deciders';

/** How a call under a deadline ended. */
export type DeadlineResult<T> =
  | { readonly status: 'answered'; readonly value: T }
  | { readonly status: 'failed'; readonly error: unknown }
  | { readonly status: 'timed-out' };

/**
 * Run `fn` and settle after at most `deadlineMs`. A synchronous throw counts
 * as a failure. On timeout the signal is aborted so the plugin can stop; its
 * late answer (or rejection) is ignored.
 */
export function withDeadline<T>(
  fn: (call: DeciderCall) => T | Promise<T>,
  deadlineMs: number,
): Promise<DeadlineResult<T>> {
  const controller = new AbortController();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      controller.abort(new Error(`deadline of ${deadlineMs} ms passed`));
      resolve({ status: 'timed-out' });
    }, deadlineMs);
    const settle = (result: DeadlineResult<T>) => {
      clearTimeout(timer);
      resolve(result);
    };
    try {
      Promise.resolve(fn({ signal: controller.signal, deadlineMs })).then(
        (value) => settle({ status: 'answered', value }),
        (error: unknown) => settle({ status: 'failed', error }),
      );
    } catch (error) {
      settle({ status: 'failed', error });
    }
  });
}
