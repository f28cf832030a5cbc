import { describe, expect, it } from 'vitest';
import { EVENT_TYPES } from './events';
import { sampleEvents } from './testing/sample-events';

describe('events', () => {
  it('survive JSON as they are (plain data, no Date or Buffer)', () => {
    for (const event of sampleEvents()) {
      expect(JSON.parse(JSON.stringify(event))).toEqual(event);
    }
  });

  it('list every event type once, and the samples cover them all', () => {
    expect(new Set(EVENT_TYPES).size).toBe(EVENT_TYPES.length);
    expect(new Set(sampleEvents().map((event) => event.type))).toEqual(new Set(EVENT_TYPES));
  });
});
