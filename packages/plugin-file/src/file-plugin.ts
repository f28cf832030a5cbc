import { checkOptions, definePlugin, type PluginContext } from '@warp/hooks';
import { type FileOptions, validateFileOptions } from './file-options';
import { JsonLinesFile } from './internal/json-lines-file';
import { StreamSink } from './internal/stream-sink';

/**
 * Writes every event as one JSON line, to a file (rotated by size and/or UTC
 * day) or to standard output (`path: '-'`). Batches are appended in one
 * write; a write error is reported through the bus (`plugin.failed`,
 * `WARP_ERR_FILE_WRITE`), never thrown into the relay. `close()` syncs the file.
 *
 * @example
 * ```ts
 * import filePlugin from '@warp/plugin-file';
 * const plugin = filePlugin({ path: '/var/log/warp/events.jsonl', rotate: { daily: true, keep: 14 } });
 * ```
 */
export const filePlugin = definePlugin((input: FileOptions) => {
  const options = checkOptions('file', validateFileOptions(input));
  let sink: JsonLinesFile | StreamSink | null = null;
  let context: PluginContext | null = null;
  return {
    name: options.name ?? 'file',
    apiVersion: 1,
    ...(options.events ? { events: options.events } : {}),
    async init(host: PluginContext) {
      context = host;
      sink =
        options.path === '-'
          ? new StreamSink(process.stdout)
          : new JsonLinesFile({ path: options.path, ...options.rotate, mode: options.mode });
      await sink.open();
    },
    hooks: {
      async onEvents(events) {
        if (!sink) return;
        let text = '';
        for (const event of events) text += `${JSON.stringify(event)}\n`;
        try {
          await sink.write(text);
        } catch (error) {
          context?.report(error);
        }
      },
    },
    async close() {
      await sink?.close();
      sink = null;
    },
  };
});
