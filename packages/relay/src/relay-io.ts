import type { EventEmitter } from 'node:events';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';

/**
 * The part of `net.Socket` the relay uses. A `net.Socket` is one; so is a
 * `NativeSocket` of `@warp/native-io`.
 */
export interface RelaySocket extends EventEmitter {
  readonly destroyed: boolean;
  readonly writableLength: number;
  readonly writableNeedDrain: boolean;
  readonly remoteAddress?: string | undefined;
  readonly remotePort?: number | undefined;
  readonly localAddress?: string | undefined;
  readonly localPort?: number | undefined;
  /** Where `net.Socket` keeps its fd, which `@warp/original-dst` reads; a NativeSocket has it too. */
  readonly _handle?: { readonly fd?: number } | null;
  write(data: Uint8Array | string): boolean;
  end(data?: Uint8Array | string): this;
  destroy(error?: Error): this;
  pause(): this;
  resume(): this;
  isPaused(): boolean;
  setTimeout(ms: number): this;
  setNoDelay(noDelay?: boolean): this;
}

/** A listening socket of a {@link RelayIo}. */
export interface RelayListener {
  /** Where it listens, read once. */
  readonly address: AddressInfo;
  /** Stops accepting; resolves when the socket is closed. */
  close(): Promise<void>;
}

/**
 * How the relay makes its sockets. The default is Node's `net`
 * ({@link nodeIo}); `@warp/native-io` exports `nativeIo`, a byte path in
 * libuv without Node's streams.
 */
export interface RelayIo {
  /**
   * Listens on `host:port` (an IP address). Accepted connections go to
   * `onConnection` with TCP_NODELAY set and half-open allowed; they may
   * start paused (the relay resumes them).
   */
  listen(
    port: number,
    host: string,
    onConnection: (socket: RelaySocket) => void,
  ): Promise<RelayListener>;
  /** Connects with TCP_NODELAY from `localAddress` when given; `connect` or `error` follows. */
  connect(options: { host: string; port: number; localAddress?: string }): RelaySocket;
  /**
   * The `net.Socket` that `tls.connect` takes over (STARTTLS). `socket` is
   * connected and paused; it is not used after. May throw (a native socket
   * with bytes still queued, or no fd left to duplicate): the relay then
   * ends the session with `421 4.7.0`.
   */
  toNetSocket(socket: RelaySocket): Socket;
}

/** Node's `net` sockets: the default {@link RelayIo}. */
export const nodeIo: RelayIo = {
  listen(port, host, onConnection) {
    // noDelay here sets TCP_NODELAY as each connection is accepted, without
    // a setNoDelay call per session.
    const server = createServer({ allowHalfOpen: true, noDelay: true }, onConnection);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.removeListener('error', reject);
        // Accept failures (EMFILE) are emitted on the server; libuv goes on
        // accepting, so they must not end the process as unhandled errors.
        server.on('error', () => {});
        resolve({
          address: server.address() as AddressInfo,
          close: () => new Promise<void>((done) => server.close(() => done())),
        });
      });
    });
  },
  connect: ({ host, port, localAddress }) => connect({ host, port, localAddress, noDelay: true }),
  toNetSocket: (socket) => socket as Socket,
};
