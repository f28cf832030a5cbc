import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import { isIP } from 'node:net';
import { EV_CLOSE, errnoError, type Handle } from './internal/binding';
import { NativeSocket, nativeBinding, ON_CONNECTION, ON_EVENT, ON_READ } from './native-socket';

/** Options of {@link NativeServer}. */
export interface NativeServerOptions {
  /** Set TCP_NODELAY on each accepted connection. */
  noDelay?: boolean;
  /** Accepted sockets keep their writing side open after the peer's end (as `net`'s option). */
  allowHalfOpen?: boolean;
  /**
   * Set SO_REUSEPORT before binding, so several processes (or servers) can
   * listen on one address and the kernel spreads the connections over them.
   */
  reusePort?: boolean;
}

/**
 * A listening TCP socket of `@warp/native-io`. Each accepted connection is a
 * paused {@link NativeSocket} given to `onConnection`.
 *
 * @example
 * ```ts
 * const server = new NativeServer((socket) => {
 *   socket.on('data', (chunk) => socket.write(chunk));
 *   socket.resume();
 * });
 * const { port } = await server.listen(0, '127.0.0.1');
 * ```
 */
export class NativeServer extends EventEmitter {
  readonly #binding = nativeBinding();
  readonly #handle: Handle;
  readonly #onConnection: (socket: NativeSocket) => void;
  readonly #options: NativeServerOptions;
  #address: AddressInfo | undefined;
  #state: 'open' | 'closing' | 'closed' = 'open';

  constructor(onConnection: (socket: NativeSocket) => void, options: NativeServerOptions = {}) {
    super();
    this.#handle = this.#binding.open(this);
    this.#onConnection = onConnection;
    this.#options = options;
  }

  /** Binds and listens; `host` is an IP address. Rejects with EADDRINUSE and the like. */
  listen(port: number, host = '127.0.0.1', backlog = 511): Promise<AddressInfo> {
    if (!isIP(host))
      return Promise.reject(
        new TypeError(
          `listen: ${JSON.stringify(host)} is not an IP address (native io binds IP literals)`,
        ),
      );
    if (this.#state !== 'open')
      return Promise.reject(new Error('listen: the server is closed; make a new one'));
    const failed = this.#binding.listen(
      this.#handle,
      host,
      port,
      backlog,
      this.#options.reusePort ?? false,
    );
    if (failed < 0) return Promise.reject(errnoError(this.#binding, failed, 'listen', host, port));
    const [address, bound] = this.#binding.address(this.#handle, false) ?? [host, port];
    this.#address = { address, port: bound, family: isIP(address) === 6 ? 'IPv6' : 'IPv4' };
    return Promise.resolve(this.#address);
  }

  /** Where the server listens (read once, at listen). */
  address(): AddressInfo | null {
    return this.#address ?? null;
  }

  /**
   * Stops accepting; open connections are not touched. `close` follows once;
   * a callback given after that runs on the next tick.
   */
  close(callback?: () => void): this {
    if (this.#state === 'closed') {
      if (callback) process.nextTick(callback);
      return this;
    }
    if (callback) this.once('close', callback);
    if (this.#state === 'open') {
      this.#state = 'closing';
      this.#binding.close(this.#handle);
    }
    return this;
  }

  [ON_CONNECTION](handle: Handle): object {
    const socket = new NativeSocket(handle, { allowHalfOpen: this.#options.allowHalfOpen });
    if (this.#options.noDelay) socket.setNoDelay(true);
    try {
      this.#onConnection(socket);
    } catch (error) {
      // The socket must still become its handle's owner: without one the addon
      // closes and frees the handle that the socket still holds. So the
      // connection is dropped through the socket (which then emits `close`),
      // and the error is thrown again, uncaught, once this has returned.
      socket.destroy();
      process.nextTick(() => {
        throw error;
      });
    }
    return socket;
  }

  [ON_EVENT](kind: number): void {
    if (kind !== EV_CLOSE) return;
    this.#state = 'closed';
    this.emit('close');
  }

  [ON_READ](): void {}
}
