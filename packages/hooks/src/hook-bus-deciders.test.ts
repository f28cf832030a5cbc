import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { MessageContent, RelayVerdict } from './deciders';
import type { WarpEvent } from './events';
import { createHookBus } from './hook-bus';
import { memoryMessage } from './message-spool';
import type { Plugin, PluginHooks } from './plugin';
import { sampleDeciderContexts } from './testing/sample-events';

const samples = sampleDeciderContexts();
const mail = samples.beforeMail;
const rcpt = samples.beforeRcpt;
const relayContext = (message: MessageContent) => ({ ...samples.beforeRelay, message });
const pause = { code: 451, enhanced: '4.7.1', text: 'sender paused' };

function plugin(name: string, hooks: PluginHooks): Plugin {
  return { name, apiVersion: 1, hooks };
}

async function withBus(
  plugins: Plugin[],
  run: (bus: ReturnType<typeof createHookBus>) => Promise<void>,
) {
  const notices: WarpEvent[] = [];
  const watcher = plugin('watcher', { onEvent: (event) => void notices.push(event) });
  const bus = createHookBus({
    nodeId: 'n',
    plugins: [...plugins, watcher],
    deadlines: { beforeMail: 30, beforeRelay: 200 },
  });
  await bus.init();
  await run(bus);
  await bus.close();
  return notices;
}

const text = async (message: MessageContent) => Buffer.from(await message.bytes()).toString();

describe('createHookBus deciders', () => {
  it('allows by default and returns the first reply verdict with the plugin name', async () => {
    await withBus([], async (bus) => {
      expect(await bus.beforeMail(mail)).toEqual({ action: 'allow' });
    });
    await withBus(
      [
        plugin('lenient', { beforeRcpt: () => ({ action: 'allow' }) }),
        plugin('pauser', { beforeRcpt: async () => ({ action: 'reply', reply: pause }) }),
        plugin('never-asked', {
          beforeRcpt: () => {
            throw new Error('not reached');
          },
        }),
      ],
      async (bus) => {
        expect(await bus.beforeRcpt(rcpt)).toEqual({
          action: 'reply',
          reply: pause,
          plugin: 'pauser',
        });
      },
    );
  });

  it('allows and announces plugin.slow when a decider misses its deadline, aborting its signal', async () => {
    let aborted = false;
    const notices = await withBus(
      [
        plugin('sleepy', {
          beforeMail: (_context, call) =>
            new Promise((resolve) => {
              call.signal.addEventListener('abort', () => (aborted = true));
              setTimeout(() => resolve({ action: 'reply', reply: pause }), 500).unref();
            }),
        }),
      ],
      async (bus) => {
        expect(await bus.beforeMail(mail)).toEqual({ action: 'allow' });
      },
    );
    expect(aborted).toBe(true);
    expect(notices).toEqual([
      expect.objectContaining({
        type: 'plugin.slow',
        plugin: 'sleepy',
        hook: 'beforeMail',
        deadlineMs: 30,
        sessionId: 's-decide',
        fallback: 'allowed',
      }),
    ]);
  });

  it('allows and announces plugin.failed when a decider throws or answers nonsense', async () => {
    const notices = await withBus(
      [
        plugin('thrower', {
          beforeMail: () => {
            throw new Error('db down');
          },
        }),
        plugin('liar', {
          beforeMail: () => ({ action: 'reply', reply: { code: 250, text: 'fine' } }) as never,
        }),
        plugin('crlf', {
          beforeMail: () => ({ action: 'reply', reply: { code: 451, text: 'a\r\nRSET' } }),
        }),
      ],
      async (bus) => {
        expect(await bus.beforeMail(mail)).toEqual({ action: 'allow' });
      },
    );
    expect(notices.map((n) => [n.type, 'plugin' in n && n.plugin])).toEqual([
      ['plugin.failed', 'thrower'],
      ['plugin.failed', 'liar'],
      ['plugin.failed', 'crlf'],
    ]);
    expect(notices[1]).toMatchObject({ error: { code: 'WARP_ERR_HOOKS_INVALID_ANSWER' } });
  });

  it('selects an egress only from the pool', async () => {
    const context = samples.selectEgress;
    const notices = await withBus(
      [
        plugin('outsider', { selectEgress: () => ({ address: '203.0.113.9' }) }),
        plugin('abstainer', { selectEgress: () => undefined }),
        plugin('picker', { selectEgress: (c) => ({ address: c.pool[1]! }) }),
      ],
      async (bus) => {
        expect(await bus.selectEgress(context)).toBe('192.0.2.21');
      },
    );
    expect(notices).toEqual([
      expect.objectContaining({ type: 'plugin.failed', plugin: 'outsider', hook: 'selectEgress' }),
    ]);
    await withBus([], async (bus) => {
      expect(await bus.selectEgress(context)).toBeUndefined();
    });
  });

  it('chains beforeRelay replacements and lets a reject win', async () => {
    const addHeader = (name: string) =>
      plugin(name, {
        beforeRelay: async ({ message }): Promise<RelayVerdict> => ({
          action: 'replace',
          content: Buffer.from(`X-${name}: yes\r\n${await text(message)}`),
        }),
      });
    const original = memoryMessage(Buffer.from('Subject: hi\r\n\r\nbody\r\n'));
    const context = relayContext(original);
    await withBus([addHeader('one'), addHeader('two')], async (bus) => {
      const result = await bus.beforeRelay(context);
      expect(result.action).toBe('relay');
      if (result.action !== 'relay') return;
      expect(result.replacedBy).toEqual(['one', 'two']);
      expect(await text(result.message)).toBe(
        'X-two: yes\r\nX-one: yes\r\nSubject: hi\r\n\r\nbody\r\n',
      );
    });
    const reject = plugin('filter', {
      beforeRelay: () => ({
        action: 'reject',
        reply: { code: 550, enhanced: '5.7.1', text: 'spam' },
      }),
    });
    await withBus([addHeader('one'), reject], async (bus) => {
      expect(await bus.beforeRelay(context)).toEqual({
        action: 'reject',
        reply: { code: 550, enhanced: '5.7.1', text: 'spam' },
        plugin: 'filter',
      });
    });
    await withBus([], async (bus) => {
      expect(await bus.beforeRelay(context)).toMatchObject({
        action: 'relay',
        message: original,
        replacedBy: [],
      });
      expect(bus.has('beforeRelay')).toBe(false);
    });
  });

  it('spools large replacements to files and removes each one once superseded or disposed', async () => {
    const locations: string[] = [];
    const streamer = (name: string) =>
      plugin(name, {
        beforeRelay: async ({ message }) => {
          if (message.size > 0) locations.push((message as { location?: string }).location ?? '');
          async function* content() {
            yield Buffer.from(`X-${name}: yes\r\n`);
            yield Buffer.from('x'.repeat(100));
          }
          return { action: 'replace', content: content() };
        },
      });
    const bus = createHookBus({
      nodeId: 'n',
      plugins: [streamer('one'), streamer('two')],
      spoolMemoryLimit: 10,
    });
    await bus.init();
    const message = memoryMessage(Buffer.from('Subject: hi\r\n'));
    const context = relayContext(message);
    const result = await bus.beforeRelay(context);
    await bus.close();
    if (result.action !== 'relay') throw new Error('expected relay');
    const final = (result.message as unknown as { location: string }).location;
    expect(locations).toEqual(['memory', expect.stringContaining('warp-spool-')]);
    expect(existsSync(locations[1]!)).toBe(false);
    expect(existsSync(final)).toBe(true);
    expect(await text(result.message)).toBe(`X-two: yes\r\n${'x'.repeat(100)}`);
    await result.dispose();
    expect(existsSync(final)).toBe(false);
  });

  it('relays unchanged when beforeRelay is too slow', async () => {
    const context = relayContext(memoryMessage(Buffer.from('x\r\n')));
    const notices = await withBus(
      [plugin('stuck', { beforeRelay: () => new Promise(() => undefined) })],
      async (bus) => {
        expect(await bus.beforeRelay(context)).toMatchObject({ action: 'relay', replacedBy: [] });
      },
    );
    expect(notices).toEqual([
      expect.objectContaining({
        type: 'plugin.slow',
        plugin: 'stuck',
        fallback: 'relayed unchanged',
      }),
    ]);
  });
});
