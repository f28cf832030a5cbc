import { describe, expect, it } from 'vitest';
import { sessionId } from './session-id';

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The 48-bit millisecond timestamp of a version 7 UUID. */
const millisOf = (id: string) => Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16);

describe('sessionId', () => {
  it('is a version 7 UUID (RFC 9562) carrying the time it was made', () => {
    const now = Date.UTC(2026, 10, 28, 17, 45, 0, 123);
    const id = sessionId(now);
    expect(id).toMatch(V7);
    expect(millisOf(id)).toBe(now);
  });

  it('sorts in creation order, within a millisecond and across', () => {
    const t = Date.UTC(2027, 0, 1);
    const ids = [
      ...Array.from({ length: 1000 }, () => sessionId(t)),
      ...Array.from({ length: 1000 }, () => sessionId(t + 1)),
    ];
    expect(new Set(ids).size).toBe(2000);
    expect([...ids].sort()).toEqual(ids);
    for (const id of ids) expect(id).toMatch(V7);
  });

  it('keeps the order when a millisecond runs out of sequence numbers', () => {
    const t = Date.UTC(2027, 0, 2);
    // The sequence starts below 2048, so 5000 ids in one millisecond spill over.
    const ids = Array.from({ length: 5000 }, () => sessionId(t));
    expect([...ids].sort()).toEqual(ids);
    expect(millisOf(ids.at(-1) as string)).toBeGreaterThan(t);
    // A later call at the real time does not go back behind the borrowed milliseconds.
    expect(sessionId(t) > (ids.at(-1) as string)).toBe(true);
  });

  it('a clock that steps back does not break the order', () => {
    const t = Date.UTC(2027, 0, 3);
    const first = sessionId(t);
    const second = sessionId(t - 5_000);
    expect(second > first).toBe(true);
  });
});
