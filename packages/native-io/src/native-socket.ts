import { lookup } from 'node:dns/promises';
import { EventEmitter } from 'node:events';
import { isIP, Socket } from 'node:net';
import { isMainThread } from 'node:worker_threads';
import {
  EV_CLOSE,
  EV_CONNECT,
  EV_DRAIN,
  EV_END,
  EV_ERROR,
  EV_SHUTDOWN,
  EV_WRITE_ERROR,
  errnoError,
  type Handle,
  loadBinding,
  type NativeBinding,
} from './internal/binding';
import { NativeIoError } from './native-io-error';

/**
 * Entry points the addon calls on a handle's owner. Registry symbols: the
 * addon keeps the callbacks of the first copy of this module that loaded it,
 * and those must reach the sockets of any copy (a second instance of this
 * module, as after vi.resetModules, shares the one loaded addon).
 */
export const ON_READ = Symbol.for('warp.nativeIo.read');
export const ON_EVENT = Symbol.for('warp.nativeIo.event');
export const ON_CONNECTION = Symbol.for('warp.nativeIo.connection');

interface Owner {
  [ON_READ](chunk: Buffer): void;
  [ON_EVENT](kind: number, status: number): void;
  [ON_CONNECTION](handle: Handle): object | undefined;
}

let loaded: NativeBinding | undefined;

/** The addon, loaded and given its three callbacks on first use. */
export function nativeBinding(): NativeBinding {
  if (loaded) return loaded;
  // The addon keeps its callbacks per process and its handles live on one
  // loop: a worker thread that loaded it first would take it from the main
  // thread and abort the process when it exits with handles open.
  if (!isMainThread)
    throw new NativeIoError(
      'WARP_ERR_NATIVE_IO_NOT_MAIN_THREAD',
      'native io runs on the main thread only; use Node sockets (io: node) in worker threads',
    );
  const binding = loadBinding();
  binding.init(
    function onRead(this: object, chunk: Buffer) {
      (this as Owner)[ON_READ](chunk);
    },
    function onEvent(this: object, kind: number, status: number) {
      (this as Owner)[ON_EVENT](kind, status);
    },
    function onConnection(this: object, handle: Handle) {
      return (this as Owner)[ON_CONNECTION](handle);
    },
  );
  loaded = binding;
  return binding;
}

/** Bytes queued in memory beyond which `write` returns false, as `net.Socket`'s default. */
const HIGH_WATER_MARK = 16 * 1024;

/** Options of {@link NativeSocket} and {@link connectNative}. */
export interface NativeSocketOptions {
  /**
   * Keep the writing side open after the peer half-closed (as `net`'s option).
   * Without it, the socket ends its side at the peer's end of stream.
   */
  allowHalfOpen?: boolean;
}

/**
 * A TCP connection of `@warp/native-io`: the part of `net.Socket` that a
 * relay uses, as an `EventEmitter` without Node's stream machinery.
 *
 * - Events: `connect`, `data` (a Buffer per read, only while resumed),
 *   `end`, `drain`, `timeout`, `error`, `close`.
 * - It starts paused: nothing is read until `resume()`.
 * - `write` returns false when 16 KiB or more wait in memory; `drain` follows.
 * - `detach()` hands the connection to a `net.Socket` (for `tls.connect`).
 */
export class NativeSocket extends EventEmitter {
  #binding: NativeBinding;
  #handle: Handle | null;
  #connecting = false;
  #paused = true;
  #reading = false;
  #readEnded = false;
  #writeEnded = false;
  #shutdownDone = false;
  #queued = 0;
  #needDrain = false;
  #destroyed = false;
  #hadError = false;
  readonly #allowHalfOpen: boolean;
  #noDelay = false;
  #timeoutMs = 0;
  #lastActive = 0;
  #timer: NodeJS.Timeout | undefined;
  #timerDue = 0;
  #remote: [string, number] | null | undefined;
  #local: [string, number] | null | undefined;
  #target: [string, number] | undefined;
  /** Bytes written while the host name is looked up, before there is a socket to take them. */
  #beforeConnect: Uint8Array[] | undefined;

  /** @internal Sockets come from {@link NativeServer} or {@link connectNative}. */
  constructor(handle: Handle | null, options: NativeSocketOptions = {}, binding = nativeBinding()) {
    super();
    this.#binding = binding;
    this.#handle = handle ?? binding.open(this);
    this.#allowHalfOpen = options.allowHalfOpen ?? false;
  }

  /**
   * @internal Connecting starts with a host name lookup (see {@link connectNative}):
   * until {@link connectTo}, writes wait here and `resume` waits for `connect`.
   */
  lookingUp(): void {
    this.#connecting = true;
    this.#beforeConnect = [];
  }

  /** @internal Starts connecting (see {@link connectNative}). */
  connectTo(address: string, port: number, localAddress: string | undefined): void {
    this.#connecting = true;
    this.#target = [address, port];
    const waiting = this.#beforeConnect;
    this.#beforeConnect = undefined;
    const handle = this.#handle as Handle;
    let failed = this.#binding.connect(handle, address, port, localAddress ?? null);
    if (failed < 0) {
      // As net's: a failed bind names the local address, a failed connect the destination.
      this.destroy(
        localAddress
          ? errnoError(this.#binding, failed, 'bind', localAddress)
          : errnoError(this.#binding, failed, 'connect', address, port),
      );
      return;
    }
    // libuv queues these behind the connect, as it does writes made after it.
    if (waiting?.length) {
      const queued = this.#binding.write(handle, Buffer.concat(waiting));
      if (queued < 0) {
        this.destroy(errnoError(this.#binding, queued, 'write'));
        return;
      }
      this.#queued = queued;
    }
    if (this.#writeEnded) {
      failed = this.#binding.shutdown(handle);
      if (failed < 0) this.destroy();
    }
  }

  [ON_READ](chunk: Buffer): void {
    if (this.#timeoutMs > 0) this.#active();
    this.emit('data', chunk);
  }

  [ON_EVENT](kind: number, status: number): void {
    switch (kind) {
      case EV_END:
        this.#readEnded = true;
        this.#reading = false;
        this.emit('end');
        if (!this.#allowHalfOpen) this.end();
        if (this.#shutdownDone) this.destroy();
        return;
      case EV_ERROR:
        this.destroy(errnoError(this.#binding, status, 'read'));
        return;
      case EV_WRITE_ERROR:
        this.destroy(errnoError(this.#binding, status, 'write'));
        return;
      case EV_DRAIN:
        this.#queued = 0;
        if (this.#timeoutMs > 0) this.#active();
        if (this.#needDrain) {
          this.#needDrain = false;
          this.emit('drain');
        }
        return;
      case EV_CONNECT: {
        this.#connecting = false;
        if (status < 0) {
          const [address, port] = this.#target ?? [];
          this.destroy(errnoError(this.#binding, status, 'connect', address, port));
          return;
        }
        this.emit('connect');
        if (!this.#paused) this.#startReading();
        return;
      }
      case EV_SHUTDOWN:
        this.#shutdownDone = true;
        if (
          status < 0 &&
          this.#binding.errorName(status) !== 'ENOTCONN' /* the peer is gone already */
        )
          this.destroy(errnoError(this.#binding, status, 'shutdown'));
        else if (this.#readEnded) this.destroy();
        return;
      case EV_CLOSE:
        this.#handle = null;
        this.#destroyed = true;
        clearTimeout(this.#timer);
        this.emit('close', this.#hadError);
        return;
    }
  }

  [ON_CONNECTION](): undefined {
    return undefined;
  }

  get destroyed(): boolean {
    return this.#destroyed;
  }

  get connecting(): boolean {
    return this.#connecting;
  }

  /** Bytes written but not yet taken by the kernel. */
  get writableLength(): number {
    return this.#queued;
  }

  /** Whether a write returned false and `drain` has not come yet. */
  get writableNeedDrain(): boolean {
    return this.#needDrain;
  }

  get remoteAddress(): string | undefined {
    return this.#peer()?.[0];
  }

  get remotePort(): number | undefined {
    return this.#peer()?.[1];
  }

  get localAddress(): string | undefined {
    return this.#own()?.[0];
  }

  get localPort(): number | undefined {
    return this.#own()?.[1];
  }

  /** The other end's address and port, read once (a system call) and kept: a closed socket has none. */
  #peer(): [string, number] | null {
    this.#remote ??= this.#handle ? this.#binding.address(this.#handle, true) : null;
    return this.#remote;
  }

  /** This end's address and port, as {@link #peer}. */
  #own(): [string, number] | null {
    this.#local ??= this.#handle ? this.#binding.address(this.#handle, false) : null;
    return this.#local;
  }

  /** The file descriptor while open (as `net.Socket`'s `_handle.fd`, which `@warp/original-dst` reads). */
  get _handle(): { fd: number } | null {
    if (!this.#handle) return null;
    const fd = this.#binding.fileno(this.#handle);
    return fd >= 0 ? { fd } : null;
  }

  resume(): this {
    this.#paused = false;
    this.#startReading();
    return this;
  }

  pause(): this {
    this.#paused = true;
    if (this.#reading && this.#handle) {
      this.#reading = false;
      this.#binding.readStop(this.#handle);
    }
    return this;
  }

  isPaused(): boolean {
    return this.#paused;
  }

  #startReading(): void {
    if (this.#reading || this.#readEnded || this.#connecting || !this.#handle) return;
    this.#reading = true;
    const failed = this.#binding.readStart(this.#handle);
    if (failed < 0) this.destroy(errnoError(this.#binding, failed, 'read'));
  }

  /** Writes at once where the kernel takes it; false when 16 KiB or more wait in memory. */
  write(data: Uint8Array | string): boolean {
    if (!this.#handle) return false;
    if (this.#writeEnded) {
      // As net.Socket: an error, and the socket destroyed, so whoever waits
      // for a drain that cannot come learns at once.
      const error = Object.assign(new Error('write after end'), {
        code: 'ERR_STREAM_WRITE_AFTER_END',
      });
      this.destroy(error);
      return false;
    }
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    let queued: number;
    if (this.#beforeConnect) {
      // No socket yet (the host name is being looked up): connectTo writes these.
      this.#beforeConnect.push(Buffer.from(bytes));
      queued = this.#queued + bytes.length;
    } else {
      queued = this.#binding.write(this.#handle, bytes);
      if (queued < 0) {
        this.destroy(errnoError(this.#binding, queued, 'write'));
        return false;
      }
    }
    this.#queued = queued;
    if (this.#timeoutMs > 0) this.#active();
    if (queued < HIGH_WATER_MARK) return true;
    this.#needDrain = true;
    return false;
  }

  /** Writes `data` if given, then half-closes once everything queued is out. */
  end(data?: Uint8Array | string): this {
    if (data !== undefined) this.write(data);
    if (this.#writeEnded || !this.#handle) return this;
    this.#writeEnded = true;
    if (this.#beforeConnect) return this; // connectTo half-closes after the waiting writes
    const failed = this.#binding.shutdown(this.#handle);
    if (failed < 0) this.destroy();
    return this;
  }

  /** Closes at once (anything queued is dropped); `error` is emitted first when given. */
  destroy(error?: Error): this {
    if (this.#destroyed) return this;
    this.#destroyed = true;
    clearTimeout(this.#timer);
    if (error) {
      this.#hadError = true;
      process.nextTick(() => this.emit('error', error));
    }
    if (this.#handle) this.#binding.close(this.#handle);
    else process.nextTick(() => this.emit('close', this.#hadError));
    return this;
  }

  /** Sets TCP_NODELAY; a call that changes nothing makes no system call (as Node's). */
  setNoDelay(noDelay = true): this {
    if (this.#handle && noDelay !== this.#noDelay) {
      this.#noDelay = noDelay;
      this.#binding.nodelay(this.#handle, noDelay);
    }
    return this;
  }

  /**
   * Emits `timeout` after `ms` without a read or write (0: never), as
   * `net.Socket` does. One timer per socket, re-armed only when it fires:
   * activity itself costs a clock read.
   */
  setTimeout(ms: number, callback?: () => void): this {
    if (callback) this.once('timeout', callback);
    this.#timeoutMs = ms;
    if (ms > 0 && !this.#destroyed) {
      this.#lastActive = performance.now();
      if (!this.#timer || this.#timerDue > this.#lastActive + ms) this.#arm(ms);
    }
    return this;
  }

  #active(): void {
    this.#lastActive = performance.now();
    if (!this.#timer) this.#arm(this.#timeoutMs);
  }

  #arm(ms: number): void {
    clearTimeout(this.#timer);
    this.#timerDue = performance.now() + ms;
    this.#timer = setTimeout(() => this.#checkTimeout(), ms).unref();
  }

  #checkTimeout(): void {
    this.#timer = undefined;
    if (this.#timeoutMs <= 0 || this.#destroyed) return;
    const idle = performance.now() - this.#lastActive;
    if (idle >= this.#timeoutMs - 1) this.emit('timeout');
    else this.#arm(this.#timeoutMs - idle);
  }

  /**
   * Hands the connection to a `net.Socket` (for `tls.connect`, STARTTLS) and
   * leaves this socket destroyed without a `close` event. Nothing may be
   * waiting to be written; bytes not read yet stay in the kernel for the
   * new socket.
   */
  detach(): Socket {
    if (!this.#handle || this.#destroyed) throw new Error('detach: the socket is closed');
    // A pending connect or shutdown would be cancelled by the hand-over without a word.
    if (this.#connecting) throw new Error('detach: the socket is still connecting');
    if (this.#writeEnded) throw new Error('detach: the socket was ended');
    const fd = this.#binding.detach(this.#handle);
    if (fd < 0) throw errnoError(this.#binding, fd, 'detach');
    this.#handle = null;
    this.#destroyed = true;
    this.#reading = false;
    clearTimeout(this.#timer);
    return new Socket({ fd, readable: true, writable: true, allowHalfOpen: this.#allowHalfOpen });
  }
}

/** Options of {@link connectNative}. */
export interface NativeConnectOptions extends NativeSocketOptions {
  /** An IP address (a host name is looked up first). */
  host: string;
  port: number;
  /** The source address to bind before connecting (egress). */
  localAddress?: string;
  noDelay?: boolean;
}

/** Connects like `net.connect`: `connect` or `error` follows. */
export function connectNative(options: NativeConnectOptions): NativeSocket {
  const socket = new NativeSocket(null, options);
  const start = (address: string) => {
    if (socket.destroyed) return;
    socket.connectTo(address, options.port, options.localAddress);
    if (options.noDelay) socket.setNoDelay(true);
  };
  if (isIP(options.host)) start(options.host);
  else {
    socket.lookingUp();
    lookup(options.host).then(
      (found) => start(found.address),
      (error) => socket.destroy(error),
    );
  }
  return socket;
}
