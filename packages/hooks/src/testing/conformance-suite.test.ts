import type { WarpEvent } from '../events';
import { definePlugin } from '../plugin';
import { checkOptions, type OptionsValidation } from '../plugin-options';
import { runConformanceSuite } from './conformance-suite';

// The suite run against a minimal in-memory plugin, the way plugins use it.
const stored: WarpEvent[] = [];
// A hand-written stand-in for typia's createValidateEquals (hooks has no typia transform).
function validate(input: unknown): OptionsValidation<{ capacity: number }> {
  const options = (input ?? {}) as Record<string, unknown>;
  const errors = Object.keys(options)
    .filter((key) => key !== 'capacity')
    .map((key) => ({ path: `$input.${key}`, expected: 'undefined', value: options[key] }));
  if (typeof options.capacity !== 'number') {
    errors.push({ path: '$input.capacity', expected: 'number', value: options.capacity });
  }
  if (errors.length > 0) return { success: false, errors };
  return { success: true, data: options as { capacity: number } };
}

const memoryPlugin = definePlugin((input: { capacity: number }) => {
  checkOptions('memory', validate(input));
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
