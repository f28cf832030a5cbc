// Shared by this package's tests: real loopback sockets, and an afterEach
// that closes every socket and server a test left open.
import { randomBytes } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach } from 'vitest';
import { NativeServer, type NativeServerOptions } from '../native-server';
import { connectNative, type NativeConnectOptions, type NativeSocket } from '../native-socket';

type Closable = NativeSocket | NativeServer | Socket | Server;

/** Keeps a socket or server a test opened, for the afterEach, and returns it. */
export type Opened = <T extends Closable>(thing: T) => T;

/** Registers an afterEach that destroys the sockets and closes the servers a test kept. */
export function closeAfterEach(): Opened {
  const open = new Set<Closable>();
  afterEach(async () => {
    const all = [...open];
    open.clear();
    await Promise.all(all.map(close));
  });
  return <T extends Closable>(thing: T): T => {
    open.add(thing);
    return thing;
  };
}

async function close(thing: Closable): Promise<void> {
  if (thing instanceof NativeServer) {
    await new Promise<void>((done) => thing.close(() => done()));
    return;
  }
  if ('listening' in thing) {
    // A net.Server: close() alone waits for its connections, which the test closes.
    if (thing.listening) await new Promise<void>((done) => thing.close(() => done()));
    return;
  }
  if (thing.destroyed) return;
  const closed = new Promise<void>((done) => thing.once('close', () => done()));
  thing.on('error', () => {}); // an error while tearing down is not the test's
  thing.destroy();
  await closed;
}

/** Resolves with the first `event` of `emitter` (its arguments). */
export function next<T extends unknown[] = unknown[]>(
  emitter: EventEmitter,
  event: string,
): Promise<T> {
  return new Promise((resolve) => emitter.once(event, (...args: unknown[]) => resolve(args as T)));
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Every byte `socket` reads until its `end`, as one Buffer (the socket is resumed). */
export function readAll(socket: NativeSocket | Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = next(socket, 'end').then(() => Buffer.concat(chunks));
  socket.resume();
  return ended;
}

/** Writes `payload` in `chunkSize` pieces, waiting for `drain` whenever `write` says so. */
export async function writeAll(
  socket: NativeSocket | Socket,
  payload: Buffer,
  chunkSize = 65536,
): Promise<void> {
  for (let offset = 0; offset < payload.length; offset += chunkSize) {
    if (!socket.write(payload.subarray(offset, offset + chunkSize))) await next(socket, 'drain');
  }
}

/** Random bytes: any loss, duplicate or reordering shows in a comparison. */
export function randomPayload(bytes: number): Buffer {
  return randomBytes(bytes);
}

/** A NativeServer on 127.0.0.1 and an ephemeral port, closed after the test. */
export async function nativeServer(
  opened: Opened,
  onConnection: (socket: NativeSocket) => void,
  options?: NativeServerOptions,
): Promise<{ server: NativeServer; port: number }> {
  const server = opened(new NativeServer((socket) => onConnection(opened(socket)), options));
  const { port } = await server.listen(0, '127.0.0.1');
  return { server, port };
}

/** A net.Server on `host` (127.0.0.1) and an ephemeral port, closed after the test. */
export async function netServer(
  opened: Opened,
  onConnection: (socket: Socket) => void,
  options: { allowHalfOpen?: boolean; host?: string } = {},
): Promise<{ server: Server; port: number }> {
  const { host = '127.0.0.1', ...serverOptions } = options;
  const server = opened(createServer(serverOptions, (socket) => onConnection(opened(socket))));
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return { server, port: address.port };
}

/** connectNative to 127.0.0.1:`port`, resolved at `connect`, closed after the test. */
export async function connectedNative(
  opened: Opened,
  port: number,
  options: Partial<NativeConnectOptions> = {},
): Promise<NativeSocket> {
  const socket = opened(connectNative({ host: '127.0.0.1', port, ...options }));
  await next(socket, 'connect');
  return socket;
}

/** net.connect to 127.0.0.1:`port`, resolved at `connect`, closed after the test. */
export async function connectedNet(
  opened: Opened,
  port: number,
  options: { allowHalfOpen?: boolean } = {},
): Promise<Socket> {
  const socket = opened(connect({ host: '127.0.0.1', port, ...options }));
  await next(socket, 'connect');
  return socket;
}

/**
 * A connected pair through a NativeServer: `client` made by connectNative,
 * `accepted` the server's side (still paused, as accepted sockets start).
 */
export async function nativePair(
  opened: Opened,
  options: {
    server?: NativeServerOptions;
    client?: Partial<NativeConnectOptions>;
  } = {},
): Promise<{ client: NativeSocket; accepted: NativeSocket; server: NativeServer; port: number }> {
  let resolveAccepted: (socket: NativeSocket) => void = () => {};
  const accepted = new Promise<NativeSocket>((resolve) => {
    resolveAccepted = resolve;
  });
  const { server, port } = await nativeServer(opened, resolveAccepted, options.server);
  const client = await connectedNative(opened, port, options.client);
  return { client, accepted: await accepted, server, port };
}

/** A port on 127.0.0.1 that nothing listens on (bound, then closed again). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return address.port;
}
