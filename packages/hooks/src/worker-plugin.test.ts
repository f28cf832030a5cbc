import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { WarpEvent } from './events';
import { createHookBus } from './hook-bus';
import { loadPlugin } from './load-plugin';
import type { Plugin } from './plugin';
import { sampleSession, sessionClosed, sessionOpened } from './testing/sample-events';
import type { WarpError } from './warp-error';

const fixture = new URL('./__fixtures__/worker-recorder.mjs', import.meta.url).href;

function setup(options: Record<string, unknown> = {}) {
  const path = join(mkdtempSync(join(tmpdir(), 'warp-worker-')), 'events.log');
  const notices: WarpEvent[] = [];
  const watcher: Plugin = {
    name: 'watcher',
    apiVersion: 1,
    events: ['plugin.failed', 'plugin.slow', 'events.dropped'],
    hooks: { onEvent: (event) => void notices.push(event) },
  };
  const load = () => loadPlugin({ use: fixture, options: { path, ...options }, worker: true });
  const lines = () => readFileSync(path, 'utf8').trim().split('\n');
  return { path, notices, watcher, load, lines };
}

async function run(plugin: Plugin, watcher: Plugin, events = sampleSession()) {
  const bus = createHookBus({ nodeId: 'node-7', plugins: [plugin, watcher] });
  await bus.init();
  for (const event of events) bus.emit(event);
  await bus.close();
  return events;
}

describe('a plugin in a worker thread', () => {
  it('gets every event in order in its own thread, after init and before close', async () => {
    const { load, watcher, lines } = setup();
    const plugin = await load();
    expect(plugin.name).toBe('recorder');
    const events = await run(plugin, watcher);
    expect(lines()).toEqual([
      'init node-7 thread=true',
      ...events.map((e) => `${e.type} ${'sessionId' in e ? e.sessionId : ''}`),
      'close',
    ]);
  });

  it('keeps its event filter', async () => {
    const { load, watcher, lines } = setup({ events: ['session.closed'] });
    await run(await load(), watcher);
    expect(lines()).toEqual(['init node-7 thread=true', 'session.closed s-1', 'close']);
  });

  it('turns a failing batch and a report into plugin.failed notices naming it', async () => {
    const { load, watcher, notices } = setup({ throwOn: 'session.closed', report: 'no disk' });
    await run(await load(), watcher);
    const failed = notices.filter((e) => e.type === 'plugin.failed');
    expect(
      failed.map((e) => e.type === 'plugin.failed' && [e.plugin, e.hook, e.error.message]),
    ).toEqual([
      ['recorder', 'report', 'no disk'],
      ['recorder', 'onEvents', 'cannot take session.closed'],
    ]);
  });

  it('starts a new worker when one dies and hands it the batch again (at least once)', async () => {
    const { load, watcher, notices, lines } = setup({ exitOn: 'reply.received' });
    const events = await run(await load(), watcher);
    const delivered = lines().filter((l) => !l.startsWith('init') && l !== 'close');
    // It had written the batch's first event before dying: at least once.
    expect(delivered).toEqual([
      'session.opened s-1',
      ...events.map((e) => `${e.type} ${'sessionId' in e ? e.sessionId : ''}`),
    ]);
    expect(lines().filter((l) => l.startsWith('init'))).toHaveLength(2);
    const failed = notices.filter((e) => e.type === 'plugin.failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ error: { code: 'WARP_ERR_HOOKS_WORKER_EXITED' } });
    expect(JSON.stringify(failed[0])).toContain('exit code 3');
  });

  it('hands events to the worker in few messages, not one per bus batch', async () => {
    const { load, watcher, lines } = setup({ batches: true });
    const events = Array.from({ length: 2000 }, (_, i) => sessionOpened(`s-${i}`));
    await run(await load(), watcher, events);
    const batches = lines().filter((l) => l.startsWith('batch '));
    // The bus hands over 64 at a time; they cross to the worker together.
    expect(batches.length).toBeLessThanOrEqual(3);
    expect(lines().filter((l) => l.startsWith('session.opened'))).toHaveLength(2000);
  });

  it('bounds what waits for a stuck worker: the bus queue then counts drops', async () => {
    const gate = join(mkdtempSync(join(tmpdir(), 'warp-gate-')), 'open');
    const { load, watcher, notices, lines } = setup({ gate });
    const plugin = await load();
    const bus = createHookBus({ nodeId: 'node-7', plugins: [plugin, watcher] });
    await bus.init();
    // 30,000 events in steps, so the bus's queue drains between them.
    for (let step = 0; step < 30; step++) {
      for (let i = 0; i < 1000; i++) bus.emit(sessionOpened(`s-${step * 1000 + i}`));
      await new Promise((resolve) => setImmediate(resolve));
    }
    // 16,384 handed to the worker and not handled, 4,096 in the bus's queue.
    expect(bus.stats().recorder).toMatchObject({ dropped: 30_000 - 16_384 - 4_096 });
    writeFileSync(gate, '');
    await bus.close();
    expect(lines().filter((l) => l.startsWith('session.opened'))).toHaveLength(16_384 + 4_096);
    expect(notices.some((e) => e.type === 'events.dropped')).toBe(true);
  });

  it('hands every unanswered batch to the new worker, in order, when one dies', async () => {
    const { load, watcher, notices, lines } = setup({ exitOn: 'session.closed' });
    const events = Array.from({ length: 3000 }, (_, i) =>
      i === 1500 ? sessionClosed(`s-${i}`) : sessionOpened(`s-${i}`),
    );
    await run(await load(), watcher, events);
    const delivered = lines().filter((l) => !l.startsWith('init') && l !== 'close');
    // At least once, and in order of first delivery.
    const first = [...new Set(delivered)];
    expect(first).toEqual(events.map((e) => `${e.type} ${'sessionId' in e ? e.sessionId : ''}`));
    expect(lines().filter((l) => l.startsWith('init'))).toHaveLength(2);
    expect(notices.filter((e) => e.type === 'plugin.failed')).toHaveLength(1);
  });

  it('gives a batch up when the restarted worker dies in init too, and stops restarting', async () => {
    const { load, watcher, notices, lines } = setup({
      exitOn: 'reply.received',
      initExitAfterDeath: true,
    });
    await run(await load(), watcher);
    // The first worker's init only: every later one died in init.
    expect(lines().filter((l) => l.startsWith('init'))).toHaveLength(1);
    const failed = notices.filter((e) => e.type === 'plugin.failed');
    expect(JSON.stringify(failed)).toContain('ended twice on the same');
    expect(failed.length).toBeLessThanOrEqual(3);
  });

  it('starts another worker when a restarted one dies while loading, and delivers', async () => {
    const { load, watcher, lines } = setup({ exitOn: 'reply.received', loadExitOnce: true });
    const events = await run(await load(), watcher);
    const delivered = lines().filter((l) => !l.startsWith('init') && l !== 'close');
    // The whole batch again, from the third worker.
    expect(delivered.slice(-events.length)).toEqual(
      events.map((e) => `${e.type} ${'sessionId' in e ? e.sessionId : ''}`),
    );
    expect(lines().filter((l) => l.startsWith('init'))).toHaveLength(2);
  });

  it('closes the bus only after the worker has handled its batches and their failures are told', async () => {
    const { load, lines } = setup({ delayMs: 300, throwOn: 'session.closed' });
    const seen: string[] = [];
    const watcher: Plugin = {
      name: 'watcher',
      apiVersion: 1,
      events: ['plugin.failed'],
      hooks: { onEvent: (event) => void seen.push(event.type) },
      close: () => void seen.push('closed'),
    };
    await run(await load(), watcher);
    expect(seen).toEqual(['plugin.failed', 'closed']);
    expect(lines().at(-1)).toBe('close');
  });

  it('stops a worker still stuck in a batch when the close deadline passes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warp-gate-'));
    const heartbeat = join(dir, 'heartbeat');
    const { load, watcher } = setup({ gate: join(dir, 'never'), heartbeat });
    const bus = createHookBus({
      nodeId: 'node-7',
      plugins: [await load(), watcher],
      lifecycleTimeoutMs: 300,
    });
    await bus.init();
    for (const event of sampleSession()) bus.emit(event);
    await bus.close();
    const beat = () => (existsSync(heartbeat) ? readFileSync(heartbeat, 'utf8') : '');
    await new Promise((r) => setTimeout(r, 200));
    const last = beat();
    // A worker left running would go on beating (and keep the process alive).
    await new Promise((r) => setTimeout(r, 300));
    expect(last).not.toBe('');
    expect(beat()).toBe(last);
  });

  it('refuses a plugin with deciders, naming them', async () => {
    const { load } = setup({ decides: true });
    await expect(load()).rejects.toMatchObject({
      code: 'WARP_ERR_HOOKS_LOAD_FAILED',
      message: expect.stringContaining('implements beforeMail'),
    });
  });

  it('reports a module that cannot be loaded in the worker as in the relay thread', async () => {
    const use = new URL('./__fixtures__/missing.mjs', import.meta.url).href;
    await expect(loadPlugin({ use, worker: true })).rejects.toThrow(/missing\.mjs/);
    const inWorker = await loadPlugin({ use, worker: true }).catch((error: WarpError) => error);
    const inThread = await loadPlugin({ use }).catch((error: WarpError) => error);
    expect(inWorker).toMatchObject({ code: 'WARP_ERR_HOOKS_LOAD_FAILED' });
    expect((inWorker as WarpError).code).toBe((inThread as WarpError).code);
  });
});
