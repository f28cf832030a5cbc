import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { closeAfterEach, connectedNet, netServer, next, readAll } from './internal/test-support';
import { nativeIo } from './native-io';
import { NativeSocket } from './native-socket';

const opened = closeAfterEach();

describe('nativeIo (the relay io option)', () => {
  it('listens with half-open allowed, hands paused NativeSockets over, and closes', async () => {
    const accepted: NativeSocket[] = [];
    const listener = await nativeIo.listen(0, '127.0.0.1', (socket) => {
      accepted.push(opened(socket));
      expect(socket.isPaused()).toBe(true);
      const got: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => got.push(chunk));
      // Half-open: answers after the client's end.
      socket.on('end', () => socket.end(Buffer.concat([Buffer.from('got '), ...got])));
      socket.resume();
    });
    expect(listener.address).toMatchObject({ address: '127.0.0.1', family: 'IPv4' });
    const client = await connectedNet(opened, listener.address.port, { allowHalfOpen: true });
    const reply = readAll(client);
    client.end('mail');
    expect((await reply).toString()).toBe('got mail');
    expect(accepted[0]).toBeInstanceOf(NativeSocket);
    await listener.close();
    const refused = await new Promise<NodeJS.ErrnoException>((resolve) => {
      connect(listener.address.port, '127.0.0.1').once('error', resolve);
    });
    expect(refused.code).toBe('ECONNREFUSED');
  });

  it('rejects listen on a port in use with EADDRINUSE', async () => {
    const { port } = await netServer(opened, () => {});
    await expect(nativeIo.listen(port, '127.0.0.1', () => {})).rejects.toMatchObject({
      code: 'EADDRINUSE',
      syscall: 'listen',
    });
  });

  it('connects NativeSockets, and toNetSocket detaches them (net.Sockets pass through)', async () => {
    let peer: Socket | undefined;
    const { port } = await netServer(opened, (socket) => {
      peer = socket;
    });
    const socket = opened(nativeIo.connect({ host: '127.0.0.1', port }));
    expect(socket).toBeInstanceOf(NativeSocket);
    await next(socket, 'connect');
    socket.write('before, ');
    const plain = opened(nativeIo.toNetSocket(socket));
    expect(plain).not.toBe(socket);
    expect(socket.destroyed).toBe(true);
    expect(nativeIo.toNetSocket(plain)).toBe(plain);
    while (!peer) await new Promise((resolve) => setImmediate(resolve));
    const received = readAll(peer);
    plain.end('after');
    expect((await received).toString()).toBe('before, after');
  });
});
