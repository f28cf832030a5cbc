import { EVENT_TYPES, type SessionEvent, type WarpEvent } from './events';
import type { DeciderDeadlines, HookBus, HookBusOptions, PluginStats } from './hook-bus-types';
import { withDeadline } from './internal/deadline';
import { DeciderRunner, type Notify } from './internal/decider-runner';
import { ObserverQueue } from './internal/observer-queue';
import {
  HANDED_OVER,
  type HandedOver,
  REPORT_BATCH_FAILURE,
  type ReportBatchFailure,
} from './internal/stand-in';
import { eventsDropped, pluginFailed, pluginSlow, publishNotice } from './notices';
import type { Plugin, PluginContext } from './plugin';
import { validatePlugin } from './validate-plugin';
import { WarpError } from './warp-error';

const DEFAULT_DEADLINES: DeciderDeadlines = {
  selectEgress: 100,
  beforeMail: 250,
  beforeRcpt: 250,
  beforeRelay: 5_000,
};

const NOTICE_TYPES: ReadonlySet<string> = new Set([
  'plugin.slow',
  'plugin.failed',
  'events.dropped',
]);

const SESSION_EVENT_TYPES = EVENT_TYPES.filter(
  (type): type is SessionEvent['type'] => !NOTICE_TYPES.has(type),
);

interface Registered {
  readonly plugin: Plugin;
  readonly queue: ObserverQueue | null;
  readonly accepts: ReadonlySet<string> | null;
}

/**
 * Create the hook bus: validates every plugin (coded errors on unknown hooks,
 * non-function handlers, wrong `apiVersion`, duplicate names), then dispatches
 * events to observers through a bounded queue per plugin and calls deciders
 * under deadlines. Nothing a plugin does can throw into the caller.
 *
 * @example
 * ```ts
 * const bus = createHookBus({ nodeId: 'mx-out-1', plugins: [filePlugin({ path: 'events.jsonl' })] });
 * await bus.init();
 * bus.emit(sessionOpenedEvent); // synchronous, never throws
 * await bus.close();            // delivers everything queued, then closes plugins
 * ```
 */
export function createHookBus(options: HookBusOptions): HookBus {
  const { nodeId } = options;
  const capacity = options.queueCapacity ?? 4096;
  const batchSize = options.batchSize ?? 64;
  const slowMs = options.observerSlowMs ?? 5_000;
  const deadlines = { ...DEFAULT_DEADLINES, ...options.deadlines };
  const lifecycleMs = options.lifecycleTimeoutMs ?? 10_000;
  const names = new Set<string>();
  const registered: Registered[] = [];
  let state: 'new' | 'open' | 'draining' | 'closed' = 'new';
  let closing: Promise<void> | null = null;

  const notify: Notify = (notice, cause) => {
    publishNotice(notice);
    // A failure while handling a notice is not announced to the plugins again:
    // two plugins that throw on everything would otherwise feed each other.
    if (cause && NOTICE_TYPES.has(cause.type)) return;
    if (state === 'open' || state === 'draining') dispatch(notice);
  };

  for (const candidate of options.plugins) {
    const plugin = validatePlugin(candidate);
    if (names.has(plugin.name)) {
      throw new WarpError(
        'WARP_ERR_HOOKS_DUPLICATE_PLUGIN',
        `[warp] [hooks] two plugins are named "${plugin.name}": list each plugin once, or give them different names`,
      );
    }
    names.add(plugin.name);
    const { onEvent, onEvents } = plugin.hooks;
    const hook = onEvents ? 'onEvents' : 'onEvent';
    const waiting = 'still waiting; new events queue and are dropped when the queue is full';
    const queue =
      onEvent || onEvents
        ? new ObserverQueue({
            capacity,
            batchSize,
            slowMs,
            hooks: { onEvent, onEvents },
            onFailure: (error, event) =>
              notify(pluginFailed(nodeId, plugin.name, hook, error, sessionOf(event)), event),
            onSlow: () => notify(pluginSlow(nodeId, plugin.name, hook, slowMs, waiting)),
            onDropped: (count, total) => notify(eventsDropped(nodeId, plugin.name, count, total)),
          })
        : null;
    registered.push({ plugin, queue, accepts: plugin.events ? new Set(plugin.events) : null });
  }
  const observers = registered.filter((entry) => entry.queue !== null);
  // What any observer takes: the relay skips building the rest.
  const types = new Set<SessionEvent['type']>(
    SESSION_EVENT_TYPES.filter((type) =>
      observers.some(({ accepts }) => accepts === null || accepts.has(type)),
    ),
  );

  function dispatch(event: WarpEvent): void {
    // Notices about a plugin go to the others: it may be failing on
    // everything, or its full queue would drop its own drop notice.
    const about = NOTICE_TYPES.has(event.type) ? (event as { plugin: string }).plugin : null;
    for (let i = 0; i < observers.length; i++) {
      const { plugin, queue, accepts } = observers[i]!;
      if (accepts !== null && !accepts.has(event.type)) continue;
      if (about === plugin.name) continue;
      queue!.push(event);
    }
  }

  const deciders = new DeciderRunner({
    entries: registered,
    deadlines,
    notify,
    nodeId,
    spoolMemoryLimit: options.spoolMemoryLimit,
  });

  const context = (plugin: Plugin): PluginContext => {
    const hook = plugin.hooks.onEvents ? 'onEvents' : 'onEvent';
    const batchFailed: ReportBatchFailure = (error, first) =>
      notify(
        pluginFailed(nodeId, plugin.name, hook, error, first ? sessionOf(first) : null),
        first,
      );
    return {
      nodeId,
      report: (error) => notify(pluginFailed(nodeId, plugin.name, 'report', error)),
      [REPORT_BATCH_FAILURE]: batchFailed,
    } as PluginContext;
  };

  const bus: HookBus = {
    plugins: registered.map(({ plugin }) => plugin.name),
    types,
    async init() {
      if (state !== 'new') return;
      const started: Plugin[] = [];
      for (const { plugin } of registered) {
        const result = plugin.init
          ? await withDeadline(() => plugin.init!(context(plugin)), lifecycleMs)
          : { status: 'answered' as const, value: undefined };
        if (result.status !== 'answered') {
          // A worker plugin whose init hangs would keep its thread (and the process) alive.
          handedOverOf(plugin)?.abandon();
          await closePlugins(started);
          state = 'closed';
          const why =
            result.status === 'failed' ? 'failed' : `did not finish within ${lifecycleMs} ms`;
          throw new WarpError(
            'WARP_ERR_HOOKS_INIT_FAILED',
            `[warp] [hooks] plugin "${plugin.name}" init ${why}: fix the plugin's configuration or remove it`,
            { cause: result.status === 'failed' ? result.error : undefined },
          );
        }
        started.push(plugin);
      }
      state = 'open';
    },
    emit(event: SessionEvent) {
      if (state !== 'open') return;
      try {
        dispatch(event);
      } catch {
        // Only a malformed event (not an object) gets here; the relay must not see it.
      }
    },
    has: (hook) => registered.some(({ plugin }) => typeof plugin.hooks[hook] === 'function'),
    selectEgress: (input) => deciders.selectEgress(input),
    beforeMail: (input) => deciders.verdict('beforeMail', input),
    beforeRcpt: (input) => deciders.verdict('beforeRcpt', input),
    beforeRelay: (input) => deciders.beforeRelay(input),
    stats() {
      const stats: Record<string, PluginStats> = {};
      for (const { plugin, queue } of registered) {
        stats[plugin.name] = queue
          ? queue.stats
          : { queued: 0, delivered: 0, dropped: 0, failures: 0 };
      }
      return stats;
    },
    close() {
      // A second caller (SIGTERM twice) waits for the same close.
      closing ??= (async () => {
        const wasOpen = state === 'open';
        state = 'draining';
        if (wasOpen) {
          await drainAll();
          await closePlugins(registered.map(({ plugin }) => plugin));
        }
        state = 'closed';
      })();
      return closing;
    },
  };

  // Draining one queue can add notices to another that was already idle, so
  // drain in rounds until every queue (that has not hung) is empty.
  async function drainAll(): Promise<void> {
    const deadline = performance.now() + lifecycleMs;
    const hung = new Set<Registered>();
    for (;;) {
      const pending = observers.filter(
        (entry) => !hung.has(entry) && (entry.queue!.busy || handedOverOf(entry.plugin)?.busy()),
      );
      if (pending.length === 0) return;
      const remaining = Math.max(0, deadline - performance.now());
      await Promise.all(
        pending.map(async (entry) => {
          // A worker plugin's batches count until its worker has handled them.
          const result = await withDeadline(async () => {
            await entry.queue!.idle();
            await handedOverOf(entry.plugin)?.settled();
          }, remaining);
          if (result.status !== 'timed-out') return;
          hung.add(entry);
          const held = handedOverOf(entry.plugin)?.held() ?? 0;
          const fallback = `closed with ${entry.queue!.size + held} events undelivered`;
          publishNotice(pluginSlow(nodeId, entry.plugin.name, 'close', lifecycleMs, fallback));
        }),
      );
    }
  }

  async function closePlugins(plugins: readonly Plugin[]): Promise<void> {
    await Promise.all(
      plugins.map(async (plugin) => {
        if (!plugin.close) return;
        const result = await withDeadline(() => plugin.close!(), lifecycleMs);
        if (result.status === 'failed')
          publishNotice(pluginFailed(nodeId, plugin.name, 'close', result.error));
        if (result.status === 'timed-out') {
          publishNotice(pluginSlow(nodeId, plugin.name, 'close', lifecycleMs, 'gave up waiting'));
          // A worker stuck in a batch or in close would keep the process alive.
          handedOverOf(plugin)?.abandon();
        }
      }),
    );
  }

  return bus;
}

function handedOverOf(plugin: Plugin): HandedOver | undefined {
  return (plugin as { [HANDED_OVER]?: HandedOver })[HANDED_OVER];
}

function sessionOf(event: WarpEvent): string | null {
  return 'sessionId' in event ? event.sessionId : null;
}
