import { describe, expect, it } from 'vitest';
import { TlsBrokenMemory } from './tls-broken-memory';

describe('TlsBrokenMemory', () => {
  it('remembers a TLS-broken MX address for the configured time, then forgets it', () => {
    let now = 1_000;
    const memory = new TlsBrokenMemory(60_000, () => now);
    expect(memory.isBroken('198.51.100.25')).toBe(false);
    memory.remember('198.51.100.25');
    now += 59_999;
    expect(memory.isBroken('198.51.100.25')).toBe(true);
    expect(memory.isBroken('198.51.100.26')).toBe(false);
    now += 2;
    expect(memory.isBroken('198.51.100.25')).toBe(false);
  });
});
