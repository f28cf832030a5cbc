import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { describe, expect, it } from 'vitest';
import type { WarpEvent } from '../events';
import { createHookBus } from '../hook-bus';
import { NOTICE_CHANNELS } from '../notices';
import type { Plugin, PluginContext, PluginFactory } from '../plugin';
import { validatePlugin } from '../validate-plugin';
import { sampleDeciderContexts, sampleEvents, sampleSession } from './sample-events';

/** Options of {@link runConformanceSuite}. */
export interface ConformanceOptions<TOptions> {
  /** The plugin's factory (its package's default export). */
  readonly factory: PluginFactory<TOptions>;
  /** Valid options, or a function returning fresh ones per test (a new temp path...). */
  readonly options: TOptions | (() => TOptions | Promise<TOptions>);
  /** Options the factory must refuse with `WARP_ERR_HOOKS_INVALID_OPTIONS`. */
  readonly invalidOptions?: readonly unknown[];
  /**
   * Called after `close()` with the session events that went through the
   * bus: assert here that the plugin persisted / sent everything (close flushes).
   */
  readonly afterClose?: (events: readonly WarpEvent[], options: TOptions) => void | Promise<void>;
  /** Sessions pushed through the bus in the flush test. Default 20. */
  readonly sessions?: number;
}

async function resolveOptions<T>(options: ConformanceOptions<T>['options']): Promise<T> {
  return typeof options === 'function' ? (options as () => T | Promise<T>)() : options;
}

function collectNotices(plugin: string): { notices: unknown[]; stop: () => void } {
  const notices: unknown[] = [];
  const listener = (message: unknown) => {
    if ((message as { plugin?: string }).plugin === plugin) notices.push(message);
  };
  const channels = Object.values(NOTICE_CHANNELS);
  for (const channel of channels) subscribe(channel.name, listener);
  return {
    notices,
    stop: () => {
      for (const channel of channels) unsubscribe(channel.name, listener);
    },
  };
}

async function deliver(plugin: Plugin, events: readonly WarpEvent[]): Promise<void> {
  if (plugin.hooks.onEvents) await plugin.hooks.onEvents(events);
  else if (plugin.hooks.onEvent) for (const event of events) await plugin.hooks.onEvent(event);
}

/**
 * The checks every warp plugin passes, as a vitest `describe` block:
 * registration, option validation, lifecycle, every event type (and unknown
 * future ones) handled without errors, isolation from a failing neighbour,
 * and close flushing everything. Run it in one line, then add your own cases.
 *
 * @example
 * ```ts
 * import { runConformanceSuite } from '@warp/hooks/testing';
 * import filePlugin from './index';
 *
 * runConformanceSuite('plugin-file', { factory: filePlugin, options: () => ({ path: tempFile() }) });
 * ```
 */
export function runConformanceSuite<TOptions>(
  name: string,
  suite: ConformanceOptions<TOptions>,
): void {
  describe(`${name} conformance`, () => {
    it('returns a plugin that passes registration for this apiVersion', async () => {
      const plugin = validatePlugin(suite.factory(await resolveOptions(suite.options)));
      expect(plugin.apiVersion).toBe(1);
    });

    it('refuses invalid options, and an unknown option key, with WARP_ERR_HOOKS_INVALID_OPTIONS', async () => {
      // A misspelt key must fail `warpd check-config` (typia createValidateEquals), not be ignored.
      const valid = await resolveOptions(suite.options);
      const misspelt = { ...(valid as object), warpConformanceUnknownKey: true };
      for (const invalid of [misspelt, ...(suite.invalidOptions ?? [])]) {
        let thrown: unknown;
        try {
          suite.factory(invalid as TOptions);
        } catch (error) {
          thrown = error;
        }
        expect(thrown, `options ${JSON.stringify(invalid)} were accepted`).toMatchObject({
          code: 'WARP_ERR_HOOKS_INVALID_OPTIONS',
          message: expect.stringMatching(/options/),
        });
      }
    });

    it('goes through init, every event type, unknown future events and close without errors', async () => {
      const plugin = suite.factory(await resolveOptions(suite.options));
      const reports: unknown[] = [];
      const context: PluginContext = { nodeId: 'conformance', report: (e) => void reports.push(e) };
      await plugin.init?.(context);
      await deliver(plugin, sampleEvents());
      const future = {
        type: 'future.event',
        nodeId: 'conformance',
        at: new Date().toISOString(),
        monotonicMs: 0,
      };
      await deliver(plugin, [future as unknown as WarpEvent]);
      await plugin.close?.();
      expect(reports).toEqual([]);
    });

    it('closes cleanly right after init', async () => {
      const plugin = suite.factory(await resolveOptions(suite.options));
      const reports: unknown[] = [];
      await plugin.init?.({ nodeId: 'conformance', report: (e) => void reports.push(e) });
      await plugin.close?.();
      expect(reports).toEqual([]);
    });

    it('answers every decider it implements with a valid verdict within the default deadlines', async () => {
      const plugin = suite.factory(await resolveOptions(suite.options));
      const { notices, stop } = collectNotices(plugin.name);
      const bus = createHookBus({ nodeId: 'conformance', plugins: [plugin] });
      const contexts = sampleDeciderContexts();
      try {
        await bus.init();
        await bus.selectEgress(contexts.selectEgress);
        await bus.beforeMail(contexts.beforeMail);
        await bus.beforeRcpt(contexts.beforeRcpt);
        const relayed = await bus.beforeRelay(contexts.beforeRelay);
        if (relayed.action === 'relay') await relayed.dispose();
        await bus.close();
      } finally {
        stop();
      }
      expect(notices).toEqual([]);
    });

    it('keeps working next to a failing plugin and flushes everything on close', async () => {
      const options = await resolveOptions(suite.options);
      const plugin = suite.factory(options);
      const failing: Plugin = {
        name: 'conformance-failing',
        apiVersion: 1,
        hooks: {
          onEvent: () => {
            throw new Error('conformance: failing on purpose');
          },
        },
      };
      const { notices, stop } = collectNotices(plugin.name);
      const bus = createHookBus({ nodeId: 'conformance', plugins: [failing, plugin] });
      const emitted: WarpEvent[] = [];
      try {
        await bus.init();
        for (let i = 0; i < (suite.sessions ?? 20); i++) {
          for (const event of sampleSession(`conformance-${i}`)) {
            emitted.push(event);
            bus.emit(event);
          }
        }
        await bus.close();
      } finally {
        stop();
      }
      expect(notices).toEqual([]);
      expect(bus.stats()[plugin.name]).toMatchObject({ dropped: 0, failures: 0, queued: 0 });
      await suite.afterClose?.(emitted, options);
    });
  });
}
