import type { WarpEvent } from '../events';

/** An error as it crosses the thread boundary. */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly code: string | null;
}

/** Requests to a plugin worker; each gets exactly one `done` or `failed`. */
export type ToWorker =
  | { readonly type: 'init'; readonly nodeId: string }
  | { readonly type: 'events'; readonly events: readonly WarpEvent[] }
  | { readonly type: 'close' };

/** Messages from a plugin worker. */
export type FromWorker =
  | {
      readonly type: 'loaded';
      readonly name: string;
      readonly events: readonly string[] | null;
      /** Decider hooks the plugin implements (a worker plugin may have none). */
      readonly deciders: readonly string[];
    }
  | { readonly type: 'load-failed'; readonly error: SerializedError }
  | { readonly type: 'done' }
  | { readonly type: 'failed'; readonly error: SerializedError }
  /** `context.report()` inside the worker, or one `onEvent` call that threw. */
  | { readonly type: 'report'; readonly error: SerializedError };

export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return {
      name: error.name,
      message: error.message,
      code: typeof code === 'string' ? code : null,
    };
  }
  return { name: 'Error', message: String(error), code: null };
}
