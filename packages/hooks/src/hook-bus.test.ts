import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { describe, expect, it } from 'vitest';
import type { WarpEvent } from './events';
import { createHookBus } from './hook-bus';
import type { Plugin } from './plugin';
import { sampleSession, sessionClosed, sessionOpened } from './testing/sample-events';

function recorder(name: string, extra: Partial<Plugin> = {}) {
  const seen: WarpEvent[] = [];
  const plugin: Plugin = {
    name,
    apiVersion: 1,
    hooks: { onEvent: (event) => void seen.push(event) },
    ...extra,
  };
  return { plugin, seen };
}

const never = new Promise<void>(() => undefined);

describe('createHookBus', () => {
  it('delivers events off the caller path, in order, to every observer', async () => {
    const a = recorder('a');
    const b = recorder('b');
    const bus = createHookBus({ nodeId: 'n', plugins: [a.plugin, b.plugin] });
    await bus.init();
    const events = sampleSession();
    for (const event of events) bus.emit(event);
    expect(a.seen).toHaveLength(0);
    await bus.close();
    expect(a.seen).toEqual(events);
    expect(b.seen).toEqual(events);
  });

  it('hands onEvents batches no larger than batchSize, preserving per-session order', async () => {
    const batches: WarpEvent[][] = [];
    const plugin: Plugin = {
      name: 'batch',
      apiVersion: 1,
      hooks: { onEvents: (events) => void batches.push([...events]) },
    };
    const bus = createHookBus({ nodeId: 'n', plugins: [plugin], batchSize: 4 });
    await bus.init();
    const one = sampleSession('one');
    const two = sampleSession('two');
    for (let i = 0; i < one.length; i++) {
      bus.emit(one[i]!);
      bus.emit(two[i]!);
    }
    await bus.close();
    expect(batches.every((batch) => batch.length <= 4)).toBe(true);
    const flat = batches.flat();
    expect(flat.filter((e) => 'sessionId' in e && e.sessionId === 'one')).toEqual(one);
    expect(flat.filter((e) => 'sessionId' in e && e.sessionId === 'two')).toEqual(two);
  });

  it('delivers only the event types a plugin asks for', async () => {
    const closedOnly = recorder('closed-only', { events: ['session.closed'] });
    const bus = createHookBus({ nodeId: 'n', plugins: [closedOnly.plugin] });
    await bus.init();
    for (const event of sampleSession()) bus.emit(event);
    await bus.close();
    expect(closedOnly.seen.map((e) => e.type)).toEqual(['session.closed']);
  });

  it('tells the relay which session event types some observer takes', () => {
    const closedOnly = recorder('closed-only', { events: ['session.closed', 'plugin.failed'] });
    const decider: Plugin = {
      name: 'decider',
      apiVersion: 1,
      hooks: { beforeMail: () => ({ action: 'allow' }) },
    };
    expect([
      ...createHookBus({ nodeId: 'n', plugins: [closedOnly.plugin, decider] }).types,
    ]).toEqual(['session.closed']);
    expect(createHookBus({ nodeId: 'n', plugins: [decider] }).types.size).toBe(0);
    const all = createHookBus({ nodeId: 'n', plugins: [recorder('all').plugin, decider] }).types;
    expect([...all]).toEqual([
      'session.opened',
      'reply.received',
      'tls.upgraded',
      'tls.failed',
      'transaction.completed',
      'session.closed',
    ]);
  });

  it('counts events dropped by a full queue and announces them', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow: Plugin = { name: 'slow', apiVersion: 1, hooks: { onEvent: () => gate } };
    const watcher = recorder('watcher', { events: ['events.dropped'] });
    const bus = createHookBus({
      nodeId: 'n',
      plugins: [slow, watcher.plugin],
      queueCapacity: 3,
      batchSize: 1,
    });
    await bus.init();
    bus.emit(sessionOpened('first'));
    await new Promise((resolve) => setImmediate(resolve));
    for (let i = 0; i < 10; i++) expect(() => bus.emit(sessionOpened(`s${i}`))).not.toThrow();
    expect(bus.stats().slow).toMatchObject({ dropped: 7, queued: 3 });
    release();
    await bus.close();
    const dropped = watcher.seen.filter((e) => e.type === 'events.dropped');
    expect(dropped).toEqual([expect.objectContaining({ plugin: 'slow', count: 7, total: 7 })]);
    expect(bus.stats().watcher).toMatchObject({ dropped: 0, delivered: 1 });
  });

  it('reports drops of a plugin that hangs forever', async () => {
    const hanging: Plugin = { name: 'hanging', apiVersion: 1, hooks: { onEvent: () => never } };
    const watcher = recorder('watcher', { events: ['events.dropped'] });
    const bus = createHookBus({
      nodeId: 'n',
      plugins: [hanging, watcher.plugin],
      queueCapacity: 2,
      lifecycleTimeoutMs: 50,
    });
    await bus.init();
    for (let i = 0; i < 6; i++) bus.emit(sessionOpened(`s${i}`));
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await bus.close();
    expect(watcher.seen).toEqual([
      expect.objectContaining({ plugin: 'hanging', count: 4, total: 4 }),
    ]);
  });

  it('isolates a throwing plugin, names it, and goes on with the others', async () => {
    const published: unknown[] = [];
    const listener = (message: unknown) => void published.push(message);
    subscribe('warp:hooks:plugin-failed', listener);
    try {
      const thrower: Plugin = {
        name: 'thrower',
        apiVersion: 1,
        hooks: {
          onEvent: (event) => {
            if (event.type === 'session.opened') throw new Error('kaput');
            return Promise.reject(new Error('async kaput'));
          },
        },
      };
      const good = recorder('good');
      const bus = createHookBus({ nodeId: 'n', plugins: [thrower, good.plugin] });
      await bus.init();
      bus.emit(sessionOpened());
      bus.emit(sessionClosed());
      await bus.close();
      const failures = good.seen.filter((e) => e.type === 'plugin.failed');
      expect(failures).toEqual([
        expect.objectContaining({
          plugin: 'thrower',
          hook: 'onEvent',
          sessionId: 's-1',
          error: expect.objectContaining({ message: 'kaput' }),
        }),
        expect.objectContaining({
          plugin: 'thrower',
          error: expect.objectContaining({ message: 'async kaput' }),
        }),
      ]);
      expect(good.seen.filter((e) => e.type.startsWith('session.'))).toHaveLength(2);
      expect(published).toHaveLength(2);
      expect(bus.stats().thrower?.failures).toBe(2);
    } finally {
      unsubscribe('warp:hooks:plugin-failed', listener);
    }
  });

  it('does not let two plugins that throw on everything feed each other notices', async () => {
    const throwing = (name: string): Plugin => ({
      name,
      apiVersion: 1,
      hooks: {
        onEvent: () => {
          throw new Error(`${name} fails`);
        },
      },
    });
    const bus = createHookBus({ nodeId: 'n', plugins: [throwing('x'), throwing('y')] });
    await bus.init();
    bus.emit(sessionOpened());
    await bus.close();
    // each fails on the session event, then once on the other's notice; no more
    expect(bus.stats().x?.failures).toBe(2);
    expect(bus.stats().y?.failures).toBe(2);
  });

  it('reports a hanging observer as slow, keeps the others going, and gives up at close', async () => {
    const hanging: Plugin = { name: 'hanging', apiVersion: 1, hooks: { onEvent: () => never } };
    const good = recorder('good');
    const bus = createHookBus({
      nodeId: 'n',
      plugins: [hanging, good.plugin],
      observerSlowMs: 20,
      lifecycleTimeoutMs: 100,
    });
    await bus.init();
    bus.emit(sessionOpened());
    bus.emit(sessionClosed());
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(good.seen.map((e) => e.type)).toEqual([
      'session.opened',
      'session.closed',
      'plugin.slow',
    ]);
    expect(good.seen[2]).toMatchObject({ plugin: 'hanging', hook: 'onEvent', deadlineMs: 20 });
    await bus.close();
    expect(bus.stats().hanging).toMatchObject({ delivered: 0, dropped: 0 });
  });

  it('closes plugins after their last event was handled, however often close is called', async () => {
    const order: string[] = [];
    const plugin: Plugin = {
      name: 'ordered',
      apiVersion: 1,
      hooks: {
        onEvent: async (event) => {
          await new Promise((resolve) => setTimeout(resolve, 1));
          order.push(event.type);
        },
      },
      close: () => void order.push('close'),
    };
    const bus = createHookBus({ nodeId: 'n', plugins: [plugin] });
    await bus.init();
    for (const event of sampleSession()) bus.emit(event);
    const first = bus.close();
    await bus.close(); // a second close waits for the first
    expect(order.at(-1)).toBe('close');
    await first;
    expect(order).toHaveLength(sampleSession().length + 1);
    bus.emit(sessionOpened());
    expect(bus.stats().ordered?.queued).toBe(0);
  });

  it('fails init naming the plugin and closes the plugins already started', async () => {
    const closed: string[] = [];
    const first: Plugin = {
      name: 'first',
      apiVersion: 1,
      hooks: {},
      close: () => void closed.push('first'),
    };
    const broken: Plugin = {
      name: 'broken',
      apiVersion: 1,
      hooks: {},
      init: () => {
        throw new Error('cannot open');
      },
    };
    const bus = createHookBus({ nodeId: 'n', plugins: [first, broken] });
    const error = await bus.init().catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'WARP_ERR_HOOKS_INIT_FAILED',
      message: expect.stringContaining('"broken"'),
    });
    expect((error as Error).cause).toMatchObject({ message: 'cannot open' });
    expect(closed).toEqual(['first']);
  });

  it('turns a plugin report into a plugin.failed notice', async () => {
    const watcher = recorder('watcher');
    const reports: ((error: unknown) => void)[] = [];
    const reporter: Plugin = {
      name: 'reporter',
      apiVersion: 1,
      hooks: {},
      init: (context) => void reports.push(context.report),
    };
    const bus = createHookBus({ nodeId: 'n', plugins: [reporter, watcher.plugin] });
    await bus.init();
    reports[0]!(Object.assign(new Error('disk full'), { code: 'ENOSPC' }));
    await bus.close();
    expect(watcher.seen).toEqual([
      expect.objectContaining({
        type: 'plugin.failed',
        plugin: 'reporter',
        hook: 'report',
        error: { name: 'Error', code: 'ENOSPC', message: 'disk full' },
      }),
    ]);
  });

  it('refuses two plugins with the same name', () => {
    expect(() =>
      createHookBus({ nodeId: 'n', plugins: [recorder('a').plugin, recorder('a').plugin] }),
    ).toThrow(expect.objectContaining({ code: 'WARP_ERR_HOOKS_DUPLICATE_PLUGIN' }));
  });
});
