import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Spool } from './spool';
import { sessionEvents } from './testing/session-events';

const dir = mkdtempSync(join(tmpdir(), 'warp-spool-'));
let n = 0;
const fresh = (maxBytes = 1 << 20) => new Spool(join(dir, `${n++}.spool`), maxBytes);
const batch = (id: string) => ({ id, events: sessionEvents({ sessionId: id }).slice(0, 2) });

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Spool', () => {
  it('gives batches back in the order they were appended, and empties the file at the end', () => {
    const spool = fresh();
    for (const id of ['a', 'b', 'c']) expect(spool.append(batch(id))).toBe(true);
    const seen: string[] = [];
    for (let next = spool.peek(); next; next = spool.peek()) {
      seen.push(next.batch.id);
      spool.advance(next.bytes);
    }
    expect(seen).toEqual(['a', 'b', 'c']);
    expect(spool.isEmpty).toBe(true);
    expect(readFileSync(spool.path, 'utf8')).toBe('');
  });

  it('refuses a batch that would pass its capacity', () => {
    const spool = fresh(JSON.stringify(batch('a')).length + 10);
    expect(spool.append(batch('a'))).toBe(true);
    expect(spool.append(batch('b'))).toBe(false);
    expect(spool.peek()?.batch.id).toBe('a');
  });

  it('finds what a previous process left, and drops a torn last line', () => {
    const first = fresh();
    first.append(batch('a'));
    appendFileSync(first.path, '{"id":"torn","eve');
    const second = new Spool(first.path, 1 << 20);
    const next = second.peek();
    expect(next?.batch.id).toBe('a');
    second.advance(next?.bytes ?? 0);
    expect(second.peek()).toBeUndefined();
    expect(second.isEmpty).toBe(true);
  });

  it('puts a prepended batch before the waiting ones', () => {
    const spool = fresh();
    spool.append(batch('b'));
    const skip = spool.peek();
    spool.append(batch('c'));
    spool.advance(skip?.bytes ?? 0);
    spool.prepend(batch('a'));
    const ids: string[] = [];
    for (let next = spool.peek(); next; next = spool.peek()) {
      ids.push(next.batch.id);
      spool.advance(next.bytes);
    }
    expect(ids).toEqual(['a', 'c']);
  });

  it('reads a batch larger than its read buffer', () => {
    const spool = fresh(8 << 20);
    const big = {
      id: 'big',
      events: Array.from({ length: 400 }, (_, i) => sessionEvents({ sessionId: `s${i}` })).flat(),
    };
    spool.append(big);
    expect(spool.peek()?.batch.events).toHaveLength(big.events.length);
  });
});
