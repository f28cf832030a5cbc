import { describe, expect, it } from 'vitest';
import { microsOf } from './iso-micros';

describe('microsOf', () => {
  it('reads toISOString forms exactly as Date.parse does, across days and years', () => {
    let state = 12345;
    const random = () => {
      state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
      return state / 2 ** 31;
    };
    for (let i = 0; i < 5000; i++) {
      const ms = Math.floor(random() * 4_102_444_800_000); // 1970 .. 2100
      const iso = new Date(ms).toISOString();
      expect(microsOf(iso)).toBe(ms * 1000);
    }
  });

  it('leaves every other form to Date.parse', () => {
    for (const iso of [
      '2026-11-28T12:00:01Z',
      '2026-11-28T12:00:01.5+02:00',
      '2026-11-28T24:00:00.000Z',
      '2026-11-28T12:00:60.000Z',
      '2026-11-28T1x:00:00.000Z',
      '2026-02-30T12:00:00.000Z',
      'not a time at all, 24 ch',
    ]) {
      expect(microsOf(iso)).toEqual(Date.parse(iso) * 1000);
    }
  });
});
