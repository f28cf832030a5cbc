import { describe, expect, it } from 'vitest';
import { EgressPool } from './egress-pool';

describe('EgressPool', () => {
  it('rotates through the addresses of the destination family', () => {
    const pool = new EgressPool(['192.0.2.10', '2001:db8::10', '192.0.2.11']);
    expect([
      pool.pick('198.51.100.25'),
      pool.pick('198.51.100.25'),
      pool.pick('198.51.100.25'),
    ]).toEqual(['192.0.2.10', '192.0.2.11', '192.0.2.10']);
    expect(pool.pick('2001:db8::25')).toBe('2001:db8::10');
  });

  it('leaves the choice to the kernel when no address of that family exists', () => {
    expect(new EgressPool(['192.0.2.10']).pick('2001:db8::25')).toBeUndefined();
    expect(new EgressPool([]).pick('198.51.100.25')).toBeUndefined();
  });
});
