import { RelayError } from '../relay-error';
import type { RelayIo, RelaySocket } from '../relay-io';
import type { Destination } from '../relay-options';

/**
 * Connects to the MX from `localAddress` (the egress), failing with a coded
 * error after `timeoutMs`. The MTA then gets a 4xx and keeps the mail queued.
 */
export function dial(
  io: RelayIo,
  destination: Destination,
  localAddress: string | undefined,
  timeoutMs: number,
): Promise<RelaySocket> {
  return new Promise((resolve, reject) => {
    const target = `${destination.address}:${destination.port}`;
    const socket = io.connect({ host: destination.address, port: destination.port, localAddress });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new RelayError(
          'WARP_ERR_RELAY_CONNECT_TIMEOUT',
          `no connection to MX ${target} within ${timeoutMs} ms`,
          {
            code: 421,
            enhanced: '4.4.1',
            text: `[warp] cannot reach ${target} (timeout), try again later`,
          },
        ),
      );
    }, timeoutMs);
    const onError = (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        new RelayError(
          'WARP_ERR_RELAY_CONNECT_FAILED',
          `cannot connect to MX ${target}${localAddress ? ` from ${localAddress}` : ''}: ${error.code ?? error.message}; check routing and the egress address`,
          {
            code: 421,
            enhanced: '4.4.1',
            text: `[warp] cannot reach ${target} (${error.code ?? 'error'}), try again later`,
          },
          error,
        ),
      );
    };
    socket.once('error', onError);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeListener('error', onError);
      resolve(socket);
    });
  });
}
