// A plugin for the worker tests: appends each event's type and session to a
// file (and, with `batches`, the size of each batch it gets), and misbehaves
// on request (options decide how).
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { threadId } from 'node:worker_threads';

let context;
const pause = new Int32Array(new SharedArrayBuffer(4));

export default (options) => {
  // Dies while loading, once, in the worker started after a death.
  if (options.loadExitOnce && existsSync(`${options.path}.exited`)) {
    if (!existsSync(`${options.path}.load-exited`)) {
      writeFileSync(`${options.path}.load-exited`, '');
      process.exit(5);
    }
  }
  return plugin(options);
};

const plugin = (options) => ({
  name: options.name ?? 'recorder',
  apiVersion: 1,
  ...(options.events ? { events: options.events } : {}),
  init(given) {
    context = given;
    // Dies in init in every worker started after a death.
    if (options.initExitAfterDeath && existsSync(`${options.path}.exited`)) process.exit(4);
    appendFileSync(options.path, `init ${context.nodeId} thread=${threadId > 0}\n`);
  },
  close() {
    appendFileSync(options.path, 'close\n');
  },
  hooks: {
    onEvents(events) {
      if (options.report) context.report(new Error(options.report));
      if (options.batches) appendFileSync(options.path, `batch ${events.length}\n`);
      if (options.delayMs) Atomics.wait(pause, 0, 0, options.delayMs);
      // Holds the worker until the gate file exists: the relay's thread goes on.
      while (options.gate && !existsSync(options.gate)) {
        Atomics.wait(pause, 0, 0, 5);
        // Shows from outside that this thread still runs.
        if (options.heartbeat) writeFileSync(options.heartbeat, String(performance.now()));
      }
      for (const event of events) {
        // Dies once (a marker file remembers), on the first event of this type.
        if (event.type === options.exitOn && !existsSync(`${options.path}.exited`)) {
          writeFileSync(`${options.path}.exited`, '');
          process.exit(3);
        }
        if (event.type === options.throwOn) throw new Error(`cannot take ${event.type}`);
        appendFileSync(options.path, `${event.type} ${event.sessionId ?? ''}\n`);
      }
    },
    ...(options.decides ? { beforeMail: () => ({ action: 'allow' }) } : {}),
  },
});
