import type { SessionEvent } from '@warp/hooks';
import { nativeIo } from '@warp/native-io';
import { createRelay, type Relay } from '../../create-relay';
import type { RelayIo } from '../../relay-io';
import type { RelayOptions } from '../../relay-options';

/**
 * The io the suite runs on: Node's `net` (project `relay`) or `@warp/native-io`
 * (project `relay-native`, which sets WARP_RELAY_IO=native), so every test
 * runs both ways.
 */
export function testIo(): RelayIo | undefined {
  const io = process.env.WARP_RELAY_IO;
  if (io === undefined || io === 'node') return undefined;
  if (io === 'native') return nativeIo;
  throw new Error(`WARP_RELAY_IO=${io}: expected node or native`);
}

/** A relay on 127.0.0.1 whose every connection goes to 127.0.0.1:`mxPort`. */
export interface Harness {
  relay: Relay;
  port: number;
  events: SessionEvent[];
  /** Resolves once `count` sessions have closed. */
  closedSessions(count: number): Promise<SessionEvent[]>;
}

/** Starts a relay with a fixed destination (the fake MX) and an event recorder. */
export async function startRelay(
  mxPort: number,
  options: Partial<RelayOptions> = {},
  types?: ReadonlySet<SessionEvent['type']>,
): Promise<Harness> {
  const events: SessionEvent[] = [];
  const waiters: Array<() => void> = [];
  const relay = createRelay({
    resolveDestination: () => ({ address: '127.0.0.1', port: mxPort, hostname: 'mx.example.test' }),
    nodeId: 'test-node',
    io: testIo(),
    events: {
      emit: (event) => {
        events.push(event);
        for (const wake of waiters.splice(0)) wake();
      },
      types,
    },
    ...options,
  });
  const address = await relay.listen(0, '127.0.0.1');
  const closed = () => events.filter((e) => e.type === 'session.closed');
  return {
    relay,
    port: address.port,
    events,
    closedSessions: async (count) => {
      while (closed().length < count) await new Promise<void>((resolve) => waiters.push(resolve));
      return closed();
    },
  };
}
