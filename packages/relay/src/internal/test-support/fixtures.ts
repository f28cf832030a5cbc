import { afterEach } from 'vitest';
import type { FakeMx } from './fake-mx';
import type { Harness } from './relay-harness';

/** What a test started; closed after each test. */
export interface Fixtures {
  mx?: FakeMx | undefined;
  harness?: Harness | undefined;
}

/** Registers an `afterEach` that closes the relay, then the fake MX, a test left in `fixtures`. */
export function closeAfterEach(): Fixtures {
  const fixtures: Fixtures = {};
  afterEach(async () => {
    await fixtures.harness?.relay.close({ graceMs: 0 });
    await fixtures.mx?.close();
    fixtures.harness = undefined;
    fixtures.mx = undefined;
  });
  return fixtures;
}
