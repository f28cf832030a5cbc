import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Plugin } from './plugin';
import { validatePlugin } from './validate-plugin';
import { isWarpError, WarpError } from './warp-error';
import { startPluginWorker } from './worker-plugin';

/** A plugin entry of warpd's configuration. */
export interface PluginSpec {
  /** Package name (`@warp/plugin-file`) or path (`./plugins/mine.js`, `/opt/x.js`). */
  readonly use: string;
  /** Options handed to the plugin's factory, which validates them. */
  readonly options?: unknown;
  /**
   * Run the plugin in its own worker thread (observers only: a plugin with
   * deciders is refused). Its work, a database writer's say, then uses
   * another core instead of the relay's; events cross by structured clone.
   */
  readonly worker?: boolean;
}

/** Options of {@link loadPlugin}. */
export interface LoadPluginOptions {
  /** Directory relative paths are resolved against (the config file's). Default `process.cwd()`. */
  readonly baseDir?: string;
  /**
   * Imports a module specifier. Pass `(s) => import(s)` from the host (warpd)
   * so package names resolve from the host's `node_modules`.
   */
  readonly importModule?: (specifier: string) => Promise<unknown>;
  /**
   * Resolves a package name to a module URL, for plugins run in a worker.
   * Pass `(s) => import.meta.resolve(s)` from the host, as for `importModule`.
   */
  readonly resolveModule?: (specifier: string) => string;
}

function isPath(use: string): boolean {
  return use.startsWith('.') || isAbsolute(use) || use.startsWith('file:');
}

/**
 * Import a plugin module, call its default-exported factory with the options
 * and validate the result. Errors name the plugin entry:
 * `WARP_ERR_HOOKS_LOAD_FAILED` (cannot import, no default factory, factory
 * threw), the factory's own `WARP_ERR_HOOKS_INVALID_OPTIONS` (path + reason),
 * or a registration error from `validatePlugin`.
 *
 * @example
 * ```ts
 * const plugin = await loadPlugin({ use: '@warp/plugin-file', options: { path: 'events.jsonl' } },
 *   { importModule: (s) => import(s) });
 * ```
 */
export async function loadPlugin(
  spec: PluginSpec,
  options: LoadPluginOptions = {},
): Promise<Plugin> {
  const { use } = spec;
  const specifier =
    isPath(use) && !use.startsWith('file:')
      ? pathToFileURL(resolve(options.baseDir ?? process.cwd(), use)).href
      : use;
  if (spec.worker) {
    const resolveModule = options.resolveModule ?? ((s: string) => import.meta.resolve(s));
    let url: string;
    try {
      url = specifier.startsWith('file:') ? specifier : resolveModule(specifier);
    } catch (error) {
      throw cannotImport(use, error);
    }
    return startPluginWorker({ use, moduleUrl: url, options: spec.options ?? {} });
  }
  return pluginFromModule(
    await importPlugin(options.importModule ?? ((s) => import(s)), specifier, use),
    spec,
  );
}

/** The module of a plugin entry, or `WARP_ERR_HOOKS_LOAD_FAILED` (in the relay's thread and in a worker). */
export async function importPlugin(
  importModule: (specifier: string) => Promise<unknown>,
  specifier: string,
  use: string,
): Promise<unknown> {
  try {
    return await importModule(specifier);
  } catch (error) {
    throw cannotImport(use, error);
  }
}

const cannotImport = (use: string, error: unknown) =>
  loadFailed(use, `cannot be imported: ${(error as Error)?.message ?? error}`, error);

/** The plugin a module's default-exported factory makes from `spec.options`, validated. */
export function pluginFromModule(module: unknown, spec: PluginSpec): Plugin {
  const { use } = spec;
  const factory = (module as { default?: unknown } | null)?.default;
  if (typeof factory !== 'function') {
    throw loadFailed(use, 'has no default export made with definePlugin(factory)');
  }
  let plugin: unknown;
  try {
    plugin = factory(spec.options ?? {});
  } catch (error) {
    if (isWarpError(error)) throw error;
    throw loadFailed(use, `factory threw: ${(error as Error)?.message ?? error}`, error);
  }
  return validatePlugin(plugin, `plugin "${use}"`);
}

/** {@link loadPlugin} for each entry, in order. */
export async function loadPlugins(
  specs: readonly PluginSpec[],
  options: LoadPluginOptions = {},
): Promise<Plugin[]> {
  const plugins: Plugin[] = [];
  for (const spec of specs) plugins.push(await loadPlugin(spec, options));
  return plugins;
}

export function loadFailed(use: string, detail: string, cause?: unknown): WarpError {
  return new WarpError(
    'WARP_ERR_HOOKS_LOAD_FAILED',
    `[warp] [hooks] plugin "${use}" ${detail}: check the name or path in the configuration and that the package is installed`,
    { cause },
  );
}
