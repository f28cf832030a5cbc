// The entry of a plugin's worker thread (see worker-plugin.ts): loads the
// plugin module, then answers the main thread's requests one at a time, in order.

import { parentPort, workerData } from 'node:worker_threads';
import { importPlugin, pluginFromModule } from '../load-plugin';
import { DECIDER_HOOKS, type Plugin } from '../plugin';
import { type FromWorker, serializeError, type ToWorker } from './plugin-worker-protocol';

const port = parentPort as NonNullable<typeof parentPort>;
const { moduleUrl, options, use } = workerData as {
  moduleUrl: string;
  options: unknown;
  use: string;
};
const post = (message: FromWorker) => port.postMessage(message);

async function load(): Promise<Plugin | undefined> {
  try {
    return pluginFromModule(await importPlugin((s) => import(s), moduleUrl, use), { use, options });
  } catch (error) {
    post({ type: 'load-failed', error: serializeError(error) });
    port.close();
    return undefined;
  }
}

async function handle(plugin: Plugin, message: ToWorker): Promise<void> {
  switch (message.type) {
    case 'init':
      await plugin.init?.({
        nodeId: message.nodeId,
        report: (error) => post({ type: 'report', error: serializeError(error) }),
      });
      return;
    case 'events': {
      const { onEvent, onEvents } = plugin.hooks;
      if (onEvents) {
        await onEvents(message.events);
        return;
      }
      for (const event of message.events) {
        try {
          await onEvent?.(event);
        } catch (error) {
          post({ type: 'report', error: serializeError(error) });
        }
      }
      return;
    }
    case 'close':
      await plugin.close?.();
      return;
  }
}

const plugin = await load();
if (plugin) {
  post({
    type: 'loaded',
    name: plugin.name,
    events: plugin.events ? [...plugin.events] : null,
    deciders: DECIDER_HOOKS.filter((hook) => typeof plugin.hooks[hook] === 'function'),
  });
  // Requests come without waiting for answers: handled one at a time, in order.
  let previous: Promise<void> = Promise.resolve();
  port.on('message', (message: ToWorker) => {
    previous = previous
      .then(() =>
        handle(plugin, message).then(
          () => {
            post({ type: 'done' });
            if (message.type === 'close') port.close();
          },
          (error: unknown) => post({ type: 'failed', error: serializeError(error) }),
        ),
      )
      // A post that throws must not stop the requests after it.
      .catch(() => {});
  });
}
