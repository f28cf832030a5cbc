import type { BeforeMailHook, BeforeRcptHook, BeforeRelayHook, SelectEgressHook } from './deciders';
import type { ApiVersion, EventType, HookName, WarpEvent } from './events';

/**
 * Every hook a plugin may implement, listed once. Registration rejects any
 * other key in `hooks` and any value that is not a function.
 */
export const HOOK_NAMES = [
  'onEvent',
  'onEvents',
  'selectEgress',
  'beforeMail',
  'beforeRcpt',
  'beforeRelay',
] as const satisfies readonly HookName[];

/** Hooks that observe (off the relay's path, through the plugin's queue). */
export const OBSERVER_HOOKS = ['onEvent', 'onEvents'] as const satisfies readonly HookName[];

/** Hooks that decide (on the relay's path, under a deadline). */
export const DECIDER_HOOKS = [
  'selectEgress',
  'beforeMail',
  'beforeRcpt',
  'beforeRelay',
] as const satisfies readonly HookName[];

/** The hooks of a plugin. All optional; implement the ones you need. */
export interface PluginHooks {
  /** Receives events one by one, in order (per session and overall). */
  onEvent?: (event: WarpEvent) => void | Promise<void>;
  /** Receives events in batches, in order. Wins over `onEvent` when both exist. */
  onEvents?: (events: readonly WarpEvent[]) => void | Promise<void>;
  /** See {@link SelectEgressHook}. */
  selectEgress?: SelectEgressHook;
  /** See {@link BeforeMailHook}. */
  beforeMail?: BeforeMailHook;
  /** See {@link BeforeRcptHook}. */
  beforeRcpt?: BeforeRcptHook;
  /** See {@link BeforeRelayHook}. */
  beforeRelay?: BeforeRelayHook;
}

/** Handed to `init()`: what a plugin may use from the host. */
export interface PluginContext {
  /** The warp node id (as in events). */
  readonly nodeId: string;
  /**
   * Report an error the plugin handled itself (a failed write, a refused
   * webhook). The bus emits a `plugin.failed` notice naming the plugin;
   * nothing is thrown into the relay.
   */
  report(error: unknown): void;
}

/**
 * A plugin: a plain object with a `name`, the contract version it was written
 * for, optional lifecycle and the hooks it implements.
 */
export interface Plugin {
  /** Short unique name, used in notices and error messages (`file`, `slack`). */
  readonly name: string;
  /** The contract version the plugin was written for; must equal {@link API_VERSION}. */
  readonly apiVersion: ApiVersion;
  /** Event types to receive (default: all). Fewer types means less queue work. */
  readonly events?: readonly EventType[];
  /** Open files, connections... Called once before any hook. */
  init?(context: PluginContext): void | Promise<void>;
  /** Flush and release everything. Called once, after the last event was delivered. */
  close?(): void | Promise<void>;
  /** The hooks implemented. */
  readonly hooks: PluginHooks;
}

/**
 * A plugin factory: takes the options from warpd's configuration (not yet
 * validated: the factory validates them and throws a
 * `WARP_ERR_HOOKS_INVALID_OPTIONS` error naming path and reason) and returns a
 * {@link Plugin}. A factory must not do I/O (that is `init`'s job), so that
 * `warpd check-config` can call it.
 */
export type PluginFactory<TOptions = unknown> = (options: TOptions) => Plugin;

/**
 * Declare a plugin. Returns the factory unchanged, typed; a package
 * default-exports it.
 *
 * @example
 * ```ts
 * export default definePlugin((options: { prefix: string }) => ({
 *   name: 'console',
 *   apiVersion: 1,
 *   hooks: { onEvent: (event) => process.stdout.write(`${options.prefix} ${event.type}\n`) },
 * }));
 * ```
 */
export function definePlugin<TOptions>(factory: PluginFactory<TOptions>): PluginFactory<TOptions> {
  return factory;
}
