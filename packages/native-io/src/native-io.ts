import type { AddressInfo, Socket } from 'node:net';
import { NativeServer } from './native-server';
import { connectNative, NativeSocket, nativeBinding } from './native-socket';

/** A listening {@link NativeServer} as the relay sees it. */
export interface NativeListener {
  readonly address: AddressInfo;
  close(): Promise<void>;
}

/**
 * Sockets for `@warp/relay` (its `io` option): accepted connections with
 * TCP_NODELAY and half-open allowed, connections to the MX with TCP_NODELAY,
 * and the hand-over of an MX connection to `net.Socket` for STARTTLS.
 * Shaped as the relay's `RelayIo` without depending on the relay.
 *
 * @example
 * ```ts
 * import { createRelay } from '@warp/relay';
 * import { nativeIo } from '@warp/native-io';
 *
 * const relay = createRelay({ io: nativeIo, resolveDestination, events });
 * ```
 */
export const nativeIo = {
  async listen(
    port: number,
    host: string,
    onConnection: (socket: NativeSocket) => void,
  ): Promise<NativeListener> {
    const server = new NativeServer(onConnection, { noDelay: true, allowHalfOpen: true });
    try {
      const address = await server.listen(port, host);
      return { address, close: () => new Promise<void>((done) => server.close(() => done())) };
    } catch (error) {
      server.close();
      throw error;
    }
  },
  connect(options: { host: string; port: number; localAddress?: string }): NativeSocket {
    return connectNative({ ...options, noDelay: true });
  },
  toNetSocket(socket: object): Socket {
    if (socket instanceof NativeSocket) return socket.detach();
    return socket as Socket;
  },
};

/**
 * Loads the addon now, so a daemon can choose its io at start instead of at
 * its first connection. Throws `NativeIoError`
 * (`WARP_ERR_NATIVE_IO_BINDING_LOAD_FAILED`, with the rebuild command) when
 * the addon is missing or does not load.
 */
export function assertNativeIoAvailable(): void {
  nativeBinding();
}
