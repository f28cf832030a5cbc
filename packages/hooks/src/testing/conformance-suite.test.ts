import type { WarpEvent } from '../events';
import { definePlugin } from '../plugin';
import { runConformanceSuite } from './conformance-suite';

// The suite run against a minimal in-memory plugin, the way plugins use it.
const stored: WarpEvent[] = [];
const memoryPlugin = definePlugin((options: { capacity: number }) => {
  if (typeof options?.capacity !== 'number') {
    throw Object.assign(
      new Error('[warp] [plugin-memory] invalid options:\n  options.capacity: expected number'),
      {
        code: 'WARP_ERR_HOOKS_INVALID_OPTIONS',
        [Symbol.for('warp.error')]: true,
      },
    );
  }
  let pending: WarpEvent[] = [];
  return {
    name: 'memory',
    apiVersion: 1,
    hooks: {
      onEvents: (events) => void pending.push(...events),
      beforeMail: ({ sender }) =>
        sender.endsWith('@paused.example')
          ? { action: 'reply', reply: { code: 451, enhanced: '4.7.1', text: 'paused' } }
          : { action: 'allow' },
    },
    close: () => {
      stored.push(...pending);
      pending = [];
    },
  };
});

runConformanceSuite('memory plugin', {
  factory: memoryPlugin,
  options: { capacity: 10 },
  invalidOptions: [{}, { capacity: 'ten' }],
  afterClose: (events) => {
    const sessionEvents = stored.filter(
      (e) =>
        e.type !== 'plugin.failed' && 'sessionId' in e && e.sessionId?.startsWith('conformance-'),
    );
    if (sessionEvents.length !== events.length)
      throw new Error(`stored ${sessionEvents.length} of ${events.length}`);
  },
});
