import { mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JsonLinesFile } from './json-lines-file';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'warp-jsonl-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const line = (n: number) => `${JSON.stringify({ n, pad: 'x'.repeat(80) })}\n`;

describe('JsonLinesFile', () => {
  it('rotates before a write would pass maxBytes, never splitting a batch', async () => {
    const path = join(dir, 'events.jsonl');
    const file = new JsonLinesFile({
      path,
      maxBytes: 1024,
      now: () => new Date('2026-11-28T12:00:00Z'),
    });
    await file.open();
    for (let n = 0; n < 30; n++) await file.write(line(n));
    await file.close();
    const names = (await readdir(dir)).sort();
    expect(names.length).toBeGreaterThan(2);
    expect(names).toContain('events.jsonl');
    expect(names).toContain('events.20261128T120000Z.jsonl');
    expect(names).toContain('events.20261128T120000Z.1.jsonl');
    let total = 0;
    for (const name of names) {
      const text = await readFile(join(dir, name), 'utf8');
      expect(Buffer.byteLength(text)).toBeLessThanOrEqual(1024);
      total += text.split('\n').filter(Boolean).length;
    }
    expect(total).toBe(30);
  });

  it('rotates when the UTC day changes, also for a file left by a previous run', async () => {
    const path = join(dir, 'events.jsonl');
    await writeFile(path, line(0));
    await utimes(path, new Date('2026-11-27T23:00:00Z'), new Date('2026-11-27T23:00:00Z'));
    let now = new Date('2026-11-28T00:00:01Z');
    const file = new JsonLinesFile({ path, daily: true, now: () => now });
    await file.open();
    await file.write(line(1));
    await file.write(line(2));
    now = new Date('2026-11-29T00:00:00Z');
    await file.write(line(3));
    await file.close();
    expect((await readdir(dir)).sort()).toEqual([
      'events.20261128T000001Z.jsonl',
      'events.20261129T000000Z.jsonl',
      'events.jsonl',
    ]);
    expect(await readFile(join(dir, 'events.20261128T000001Z.jsonl'), 'utf8')).toBe(line(0));
    expect(await readFile(join(dir, 'events.20261129T000000Z.jsonl'), 'utf8')).toBe(
      line(1) + line(2),
    );
    expect(await readFile(path, 'utf8')).toBe(line(3));
  });

  it('keeps only the newest rotated files', async () => {
    const path = join(dir, 'events.jsonl');
    let second = 0;
    const file = new JsonLinesFile({
      path,
      maxBytes: 1024,
      keep: 2,
      now: () => new Date(Date.UTC(2026, 10, 28, 12, 0, second++)),
    });
    await file.open();
    for (let n = 0; n < 60; n++) await file.write(line(n));
    await file.close();
    const rotated = (await readdir(dir)).filter((name) => name !== 'events.jsonl').sort();
    expect(rotated).toHaveLength(2);
    const newest = await readFile(join(dir, rotated[1]!), 'utf8');
    const current = await readFile(path, 'utf8');
    expect(JSON.parse(current.trim().split('\n').at(-1)!).n).toBe(59);
    expect(JSON.parse(newest.trim().split('\n').at(-1)!).n).toBeLessThan(59);
  });

  it('reopens after a failed write', async () => {
    const path = join(dir, 'events.jsonl');
    const file = new JsonLinesFile({ path });
    await file.open();
    await file.write(line(1));
    await rm(dir, { recursive: true });
    await file.close();
    await file.write(line(2));
    await file.close();
    expect(await readFile(path, 'utf8')).toBe(line(2));
  });
});
