import { API_VERSION, EVENT_TYPES } from './events';
import { HOOK_NAMES, type Plugin } from './plugin';
import { WarpError } from './warp-error';

const KNOWN_HOOKS: ReadonlySet<string> = new Set(HOOK_NAMES);
const KNOWN_EVENTS: ReadonlySet<string> = new Set(EVENT_TYPES);
const KNOWN_KEYS: ReadonlySet<string> = new Set([
  'name',
  'apiVersion',
  'events',
  'init',
  'close',
  'hooks',
]);

/**
 * Check that `candidate` is a {@link Plugin} this bus can run, and return it
 * typed. Throws a {@link WarpError}:
 * - `WARP_ERR_HOOKS_INVALID_PLUGIN`: not an object, no `name`, unknown top-level key,
 *   `init`/`close` not functions, unknown event type in `events`;
 * - `WARP_ERR_HOOKS_API_VERSION`: `apiVersion` is not {@link API_VERSION};
 * - `WARP_ERR_HOOKS_UNKNOWN_HOOK`: a key of `hooks` outside {@link HOOK_NAMES};
 * - `WARP_ERR_HOOKS_INVALID_HANDLER`: a hook that is not a function.
 */
export function validatePlugin(candidate: unknown, origin = 'plugin'): Plugin {
  if (typeof candidate !== 'object' || candidate === null || Array.isArray(candidate)) {
    throw invalid(`${origin} is not a plugin object (got ${describe(candidate)})`);
  }
  const plugin = candidate as Record<string, unknown>;
  const { name } = plugin;
  if (typeof name !== 'string' || !/^[a-z0-9][a-z0-9._-]*$/i.test(name)) {
    throw invalid(`${origin} needs a "name" of letters, digits, . _ - (got ${describe(name)})`);
  }
  for (const key of Object.keys(plugin)) {
    if (!KNOWN_KEYS.has(key)) {
      throw invalid(`plugin "${name}" has unknown key "${key}"; hooks go under "hooks"`);
    }
  }
  if (plugin.apiVersion !== API_VERSION) {
    throw new WarpError(
      'WARP_ERR_HOOKS_API_VERSION',
      `[warp] [hooks] plugin "${name}" was written for apiVersion ${describe(plugin.apiVersion)}, this warp runs apiVersion ${API_VERSION}: install a plugin version made for apiVersion ${API_VERSION}`,
    );
  }
  for (const key of ['init', 'close'] as const) {
    if (plugin[key] !== undefined && typeof plugin[key] !== 'function') {
      throw invalid(`plugin "${name}": "${key}" must be a function (got ${describe(plugin[key])})`);
    }
  }
  validateEvents(name, plugin.events);
  validateHooks(name, plugin.hooks);
  return candidate as Plugin;
}

function validateEvents(name: string, events: unknown): void {
  if (events === undefined) return;
  if (!Array.isArray(events)) {
    throw invalid(`plugin "${name}": "events" must be an array of event types`);
  }
  for (const type of events) {
    if (typeof type !== 'string' || !KNOWN_EVENTS.has(type)) {
      throw invalid(
        `plugin "${name}": unknown event type ${describe(type)} in "events"; known: ${EVENT_TYPES.join(', ')}`,
      );
    }
  }
}

function validateHooks(name: string, hooks: unknown): void {
  if (typeof hooks !== 'object' || hooks === null || Array.isArray(hooks)) {
    throw invalid(`plugin "${name}": "hooks" must be an object (got ${describe(hooks)})`);
  }
  for (const [hook, handler] of Object.entries(hooks)) {
    if (!KNOWN_HOOKS.has(hook)) {
      throw new WarpError(
        'WARP_ERR_HOOKS_UNKNOWN_HOOK',
        `[warp] [hooks] plugin "${name}" implements unknown hook "${hook}"; known hooks: ${HOOK_NAMES.join(', ')}`,
      );
    }
    if (typeof handler !== 'function') {
      throw new WarpError(
        'WARP_ERR_HOOKS_INVALID_HANDLER',
        `[warp] [hooks] plugin "${name}": hook "${hook}" must be a function (got ${describe(handler)})`,
      );
    }
  }
}

function invalid(detail: string): WarpError {
  return new WarpError('WARP_ERR_HOOKS_INVALID_PLUGIN', `[warp] [hooks] ${detail}`);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return typeof value;
}
