import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createHookBus, type WarpEvent } from '@warp/hooks';
import { runConformanceSuite, sampleSession } from '@warp/hooks/testing';
import { afterAll, describe, expect, it } from 'vitest';
import filePlugin from './index';

const dirs: string[] = [];
const tempPath = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'warp-plugin-file-'));
  dirs.push(dir);
  return join(dir, 'logs', 'events.jsonl');
};
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

const readLines = async (path: string) =>
  (await readFile(path, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as WarpEvent);

runConformanceSuite('plugin-file', {
  factory: filePlugin,
  options: async () => ({ path: await tempPath() }),
  invalidOptions: [
    {},
    { path: 3 },
    { path: 'x', rotate: { maxBytes: 'big' } },
    { path: 'x', colour: true },
  ],
  afterClose: async (events, options) => {
    const lines = (await readLines(options.path)).filter((e) => e.type !== 'plugin.failed');
    expect(lines).toEqual(events);
  },
});

describe('filePlugin', () => {
  it('names the path and reason of a bad option', () => {
    expect(() => filePlugin({ path: 'x', rotate: { maxBytes: 10 } })).toThrow(
      /options\.rotate\.maxBytes: expected number & Minimum<1024>, got 10/,
    );
  });

  it('writes one JSON line per event that parses back to the same event', async () => {
    const path = await tempPath();
    const bus = createHookBus({
      nodeId: 'n',
      plugins: [filePlugin({ path, events: ['session.opened', 'session.closed'] })],
    });
    await bus.init();
    const events = sampleSession();
    for (const event of events) bus.emit(event);
    await bus.close();
    expect(await readLines(path)).toEqual([events[0], events.at(-1)]);
  });

  it('reports a write error through the bus instead of throwing', async () => {
    const failures: WarpEvent[] = [];
    const watcher = {
      name: 'watcher',
      apiVersion: 1 as const,
      hooks: { onEvent: (e: WarpEvent) => void failures.push(e) },
      events: ['plugin.failed' as const],
    };
    // /dev/full accepts open() and fails every write with ENOSPC.
    const bus = createHookBus({
      nodeId: 'n',
      plugins: [filePlugin({ path: '/dev/full' }), watcher],
    });
    await bus.init();
    for (const event of sampleSession()) bus.emit(event);
    await bus.close();
    expect(failures.length).toBeGreaterThan(0);
    expect(failures[0]).toMatchObject({
      plugin: 'file',
      hook: 'report',
      error: { code: 'WARP_ERR_FILE_WRITE', message: expect.stringContaining('/dev/full') },
    });
  });

  it('fails init with a coded error when the file cannot be opened', async () => {
    const notADirectory = await tempPath();
    await mkdir(dirname(notADirectory), { recursive: true });
    await writeFile(notADirectory, '');
    const path = join(notADirectory, 'events.jsonl');
    const bus = createHookBus({ nodeId: 'n', plugins: [filePlugin({ path })] });
    const error = await bus.init().catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'WARP_ERR_HOOKS_INIT_FAILED',
      cause: { code: 'WARP_ERR_FILE_OPEN' },
    });
  });
});
