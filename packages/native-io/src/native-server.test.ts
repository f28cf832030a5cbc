import { readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  closeAfterEach,
  connectedNative,
  connectedNet,
  nativePair,
  nativeServer,
  netServer,
  next,
  randomPayload,
  readAll,
  writeAll,
} from './internal/test-support';
import { NativeServer } from './native-server';
import type { NativeSocket } from './native-socket';

const opened = closeAfterEach();

/** Resolves with the error of a net connection to 127.0.0.1:`port`, or null when it connects. */
function netConnectError(port: number): Promise<NodeJS.ErrnoException | null> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(null);
    });
    socket.once('error', (error) => resolve(error));
  });
}

describe('NativeServer: listen', () => {
  it('listens on an ephemeral port and reports its address', async () => {
    const server = opened(new NativeServer(() => {}));
    expect(server.address()).toBeNull();
    const address = await server.listen(0, '127.0.0.1');
    expect(address.address).toBe('127.0.0.1');
    expect(address.family).toBe('IPv4');
    expect(address.port).toBeGreaterThan(0);
    expect(server.address()).toEqual(address);
    expect(await netConnectError(address.port)).toBeNull();
  });

  it('rejects with EADDRINUSE on a port a net server holds', async () => {
    const { port } = await netServer(opened, () => {});
    const server = opened(new NativeServer(() => {}));
    const failure = server.listen(port, '127.0.0.1');
    await expect(failure).rejects.toThrow(`listen EADDRINUSE 127.0.0.1:${port}`);
    await expect(failure).rejects.toMatchObject({
      code: 'EADDRINUSE',
      syscall: 'listen',
      address: '127.0.0.1',
      port,
    });
  });

  it('rejects with EADDRINUSE on a port another NativeServer holds', async () => {
    const { port } = await nativeServer(opened, () => {});
    const second = opened(new NativeServer(() => {}));
    await expect(second.listen(port, '127.0.0.1')).rejects.toMatchObject({
      code: 'EADDRINUSE',
    });
  });

  it('with reusePort, shares one port with another server, and the kernel spreads connections over both', async () => {
    const counts = [0, 0];
    const serve = (index: number) => (socket: NativeSocket) => {
      counts[index] = (counts[index] ?? 0) + 1;
      socket.destroy();
    };
    const first = opened(new NativeServer(serve(0), { reusePort: true }));
    const { port } = await first.listen(0, '127.0.0.1');
    const second = opened(new NativeServer(serve(1), { reusePort: true }));
    await expect(second.listen(port, '127.0.0.1')).resolves.toMatchObject({ port });
    for (let i = 0; i < 64; i++) expect(await netConnectError(port)).toBeNull();
    while ((counts[0] ?? 0) + (counts[1] ?? 0) < 64) await new Promise((r) => setTimeout(r, 5));
    // SO_REUSEPORT hashes each connection's addresses: 64 connections from
    // different ports all landing on one server would be a 2^-63 chance.
    expect(counts[0]).toBeGreaterThan(0);
    expect(counts[1]).toBeGreaterThan(0);
  });

  it('without reusePort, a second server on the port fails even if the first has it', async () => {
    const first = opened(new NativeServer(() => {}, { reusePort: true }));
    const { port } = await first.listen(0, '127.0.0.1');
    const second = opened(new NativeServer(() => {}));
    await expect(second.listen(port, '127.0.0.1')).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });

  it('refuses to listen again once closed', async () => {
    const server = new NativeServer(() => {});
    await new Promise<void>((resolve) => server.close(resolve));
    await expect(server.listen(0, '127.0.0.1')).rejects.toThrow(/closed/);
  });

  it('rejects a host name with a TypeError that says to give an IP address', async () => {
    const server = opened(new NativeServer(() => {}));
    const failure = server.listen(0, 'localhost');
    await expect(failure).rejects.toBeInstanceOf(TypeError);
    await expect(failure).rejects.toThrow(/"localhost" is not an IP address/);
  });

  it('serves many connections at once, each its own bytes', async () => {
    const { port } = await nativeServer(
      opened,
      (socket) => {
        socket.on('data', (chunk: Buffer) => socket.write(chunk));
        socket.on('end', () => socket.end());
        socket.resume();
      },
      { allowHalfOpen: true, noDelay: true },
    );
    const runs = Array.from({ length: 20 }, async () => {
      const client = await connectedNative(opened, port);
      const payload = randomPayload(200_000);
      const echoed = readAll(client);
      await writeAll(client, payload, 30_000);
      client.end();
      return (await echoed).equals(payload);
    });
    expect(await Promise.all(runs)).toEqual(Array(20).fill(true));
  });
});

describe('NativeServer: close', () => {
  it('stops accepting: a new connection is refused, and the callback runs', async () => {
    const { server, port } = await nativeServer(opened, () => {});
    expect(await netConnectError(port)).toBeNull();
    let closes = 0;
    server.on('close', () => closes++);
    await new Promise<void>((resolve) => server.close(resolve));
    expect(closes).toBe(1);
    expect(await netConnectError(port)).toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('runs the callback of a second close, and of two closes in a row', async () => {
    const { server } = await nativeServer(opened, () => {});
    let closes = 0;
    server.on('close', () => closes++);
    const calls: string[] = [];
    const both = Promise.all([
      new Promise<void>((resolve) => server.close(() => resolve(void calls.push('first')))),
      new Promise<void>((resolve) => server.close(() => resolve(void calls.push('second')))),
    ]);
    await both;
    expect(calls).toEqual(['first', 'second']);
    await new Promise<void>((resolve) => server.close(() => resolve(void calls.push('third'))));
    expect(calls).toEqual(['first', 'second', 'third']);
    expect(server.close()).toBe(server); // without a callback, too
    expect(closes).toBe(1);
  });

  it('leaves open connections working', async () => {
    const { client, accepted, server, port } = await nativePair(opened);
    await new Promise<void>((resolve) => server.close(resolve));
    expect(await netConnectError(port)).toMatchObject({ code: 'ECONNREFUSED' });
    const received = readAll(accepted);
    client.end('still here');
    expect((await received).toString()).toBe('still here');
  });

  it('closes a server whose listen failed, and its socket with it', async () => {
    const { port } = await netServer(opened, () => {});
    const fds = readdirSync('/proc/self/fd').length;
    const server = new NativeServer(() => {});
    await expect(server.listen(port, '127.0.0.1')).rejects.toMatchObject({ code: 'EADDRINUSE' });
    await new Promise<void>((resolve) => server.close(resolve));
    expect(readdirSync('/proc/self/fd').length).toBe(fds);
  });
});

describe('NativeServer: accepted sockets', () => {
  it('gives each connection to onConnection as a paused NativeSocket', async () => {
    const accepted: NativeSocket[] = [];
    let first: () => void = () => {};
    const gotOne = new Promise<void>((resolve) => {
      first = resolve;
    });
    const { port } = await nativeServer(opened, (socket) => {
      accepted.push(socket);
      first();
    });
    await connectedNet(opened, port);
    await gotOne;
    expect(accepted).toHaveLength(1);
    expect(accepted[0]?.isPaused()).toBe(true);
    expect(accepted[0]?.destroyed).toBe(false);
    expect(accepted[0]?.connecting).toBe(false);
  });

  it('an accepted socket destroyed inside onConnection closes, and the client sees the end', async () => {
    const closes: boolean[] = [];
    const { port } = await nativeServer(opened, (socket) => {
      socket.on('close', (hadError: boolean) => closes.push(hadError));
      socket.destroy();
    });
    const client = await connectedNet(opened, port);
    client.on('error', () => {});
    await next(client, 'close');
    expect(closes).toEqual([false]);
  });
});
