import { AsyncLocalStorage } from 'node:async_hooks';
import { lookup } from 'node:dns/promises';
import { fstatSync } from 'node:fs';
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  closeAfterEach,
  closedPort,
  connectedNative,
  connectedNet,
  nativePair,
  nativeServer,
  netServer,
  next,
  randomPayload,
  readAll,
  sleep,
  writeAll,
} from './internal/test-support';
import { NativeServer } from './native-server';
import { connectNative, type NativeSocket } from './native-socket';

const opened = closeAfterEach();

const MiB = 1024 * 1024;

/** Echoes every byte back, with backpressure, and ends after the peer ends. */
function echo(socket: NativeSocket): void {
  socket.on('data', (chunk: Buffer) => {
    if (!socket.write(chunk)) {
      socket.pause();
      socket.once('drain', () => socket.resume());
    }
  });
  socket.on('end', () => socket.end());
  socket.resume();
}

/** Events of `socket` in the order they came, for the ones named. */
function record(socket: NativeSocket | Socket, events: string[]): string[] {
  const seen: string[] = [];
  for (const event of events) socket.on(event, () => seen.push(event));
  return seen;
}

describe('NativeSocket: bytes', () => {
  it('echoes a 4 MiB random payload NativeServer <-> connectNative byte for byte', async () => {
    const { port } = await nativeServer(opened, echo, { allowHalfOpen: true, noDelay: true });
    const client = await connectedNative(opened, port, { noDelay: true });
    const payload = randomPayload(4 * MiB);
    const echoed = readAll(client);
    const closed = next(client, 'close');
    await writeAll(client, payload);
    client.end();
    const back = await echoed;
    expect(back.length).toBe(payload.length);
    expect(back.equals(payload)).toBe(true);
    await closed;
  });

  it('talks to a net server: 3 MiB each way, byte for byte', async () => {
    const { port } = await netServer(
      opened,
      (socket) => {
        socket.pipe(socket); // pipe ends the socket after the peer's end
      },
      { allowHalfOpen: true },
    );
    const client = await connectedNative(opened, port);
    const payload = randomPayload(3 * MiB + 17);
    const echoed = readAll(client);
    await writeAll(client, payload, 100_000);
    client.end();
    expect((await echoed).equals(payload)).toBe(true);
  });

  it('serves a net client: 3 MiB each way, byte for byte', async () => {
    const { port } = await nativeServer(opened, echo, { allowHalfOpen: true });
    const client = await connectedNet(opened, port);
    const payload = randomPayload(3 * MiB + 5);
    const echoed = readAll(client);
    await writeAll(client, payload, 77_777);
    client.end();
    expect((await echoed).equals(payload)).toBe(true);
  });

  it('writes strings as UTF-8 and an empty write as nothing', async () => {
    const { client, accepted } = await nativePair(opened);
    const received = readAll(accepted);
    expect(client.write('')).toBe(true);
    expect(client.write(new Uint8Array(0))).toBe(true);
    client.end('grüße ✉');
    expect((await received).toString('utf8')).toBe('grüße ✉');
  });
});

describe('NativeSocket: backpressure', () => {
  it('returns false from 16 KiB queued, drains once the peer reads, and loses nothing', async () => {
    const { client, accepted } = await nativePair(opened);
    // `accepted` is never resumed until below: the peer does not read.
    const written: Buffer[] = [];
    const chunk = 64 * 1024;
    let drains = 0;
    client.on('drain', () => drains++);
    let more = true;
    while (more) {
      expect(client.writableNeedDrain).toBe(false);
      expect(client.writableLength).toBeLessThan(16 * 1024);
      const piece = randomPayload(chunk);
      written.push(piece);
      more = client.write(piece);
      expect(written.length).toBeLessThan(2000); // the kernel's buffers are not endless
    }
    expect(client.writableLength).toBeGreaterThanOrEqual(16 * 1024);
    expect(client.writableNeedDrain).toBe(true);
    // Still false while the queue is full; these bytes go behind the others.
    for (let i = 0; i < 3; i++) {
      const piece = randomPayload(1000 + i);
      written.push(piece);
      expect(client.write(piece)).toBe(false);
    }
    expect(client.writableNeedDrain).toBe(true);
    await sleep(100);
    expect(drains).toBe(0); // nobody read, so nothing can have drained

    const received = readAll(accepted);
    await next(client, 'drain');
    expect(drains).toBe(1);
    expect(client.writableNeedDrain).toBe(false);
    expect(client.writableLength).toBe(0);
    expect(client.write('tail')).toBe(true);
    written.push(Buffer.from('tail'));
    client.end();
    const all = await received;
    const expected = Buffer.concat(written);
    expect(all.length).toBe(expected.length);
    expect(all.equals(expected)).toBe(true);
    expect(drains).toBe(1);
  });

  it('emits no drain when no write returned false', async () => {
    const { client, accepted } = await nativePair(opened);
    let drains = 0;
    client.on('drain', () => drains++);
    const received = readAll(accepted);
    const closed = next(client, 'close');
    client.resume(); // to read the peer's end, after which it closes
    expect(client.write(randomPayload(1000))).toBe(true);
    client.end();
    await received;
    await closed;
    expect(drains).toBe(0);
  });
});

describe('NativeSocket: half-close', () => {
  it('with allowHalfOpen keeps writing after the peer ended, and closes after both ended', async () => {
    let accepted: NativeSocket | undefined;
    let closed: Promise<unknown> | undefined;
    const acceptedEvents: string[] = [];
    const { port } = await nativeServer(
      opened,
      (socket) => {
        accepted = socket;
        closed = next(socket, 'close');
        for (const event of ['end', 'close']) socket.on(event, () => acceptedEvents.push(event));
        socket.on('data', (chunk: Buffer) => acceptedEvents.push(`data:${chunk}`));
        socket.resume();
      },
      { allowHalfOpen: true },
    );
    const client = await connectedNet(opened, port, { allowHalfOpen: true });
    const reply = readAll(client);
    client.end('request');
    await sleep(0);
    while (!acceptedEvents.includes('end')) await sleep(5);
    expect(acceptedEvents).toEqual(['data:request', 'end']);
    // The peer is gone for reading, but this side's writing still works.
    await sleep(50);
    expect(accepted?.destroyed).toBe(false);
    expect(accepted?.write('response part 1, ')).toBe(true);
    await sleep(20);
    expect(accepted?.write('part 2')).toBe(true);
    expect(acceptedEvents).toEqual(['data:request', 'end']);
    accepted?.end();
    expect((await reply).toString()).toBe('response part 1, part 2');
    await closed;
    expect(acceptedEvents).toEqual(['data:request', 'end', 'close']);
  });

  it('with allowHalfOpen a NativeSocket client that ended still reads until the peer ends', async () => {
    const { port } = await netServer(
      opened,
      (socket) => {
        const got: Buffer[] = [];
        socket.on('data', (chunk: Buffer) => got.push(chunk));
        socket.on('end', () => {
          // Answers only after the client's end, a few writes apart.
          socket.write('you said: ');
          setTimeout(() => socket.end(Buffer.concat(got)), 30);
        });
      },
      { allowHalfOpen: true },
    );
    const client = await connectedNative(opened, port, { allowHalfOpen: true });
    const events = record(client, ['end', 'close']);
    const closed = next(client, 'close');
    const reply = readAll(client);
    client.end('hello');
    await sleep(10);
    expect(events).toEqual([]); // its own end does not close it
    expect((await reply).toString()).toBe('you said: hello');
    await closed;
    expect(events).toEqual(['end', 'close']);
  });

  it('without allowHalfOpen ends its own side when the peer ends, and closes', async () => {
    let accepted: NativeSocket | undefined;
    const events: string[] = [];
    let closed: Promise<unknown> | undefined;
    const { port } = await nativeServer(opened, (socket) => {
      accepted = socket;
      for (const event of ['end', 'close']) socket.on(event, () => events.push(event));
      closed = next(socket, 'close');
      socket.resume();
    });
    const client = await connectedNet(opened, port, { allowHalfOpen: true });
    const clientSaw = readAll(client); // resolves at the native side's end of stream
    client.end();
    expect((await clientSaw).length).toBe(0);
    await closed;
    expect(events).toEqual(['end', 'close']);
    expect(accepted?.write('late')).toBe(false);
  });

  it('without allowHalfOpen still delivers what was queued before its own end', async () => {
    let closed: Promise<unknown> | undefined;
    const written: Buffer[] = [];
    let queued = 0;
    const { port } = await nativeServer(opened, (socket) => {
      closed = next(socket, 'close');
      // All written before anything is read, until (and past) a queue in memory.
      const write = () => {
        const piece = randomPayload(65536);
        written.push(piece);
        return socket.write(piece);
      };
      while (write());
      for (let i = 0; i < 3; i++) write();
      queued = socket.writableLength;
      socket.resume();
    });
    const client = await connectedNet(opened, port, { allowHalfOpen: true });
    client.end(); // the native side ends its own side at this, after its queue
    const received = await readAll(client);
    expect(queued).toBeGreaterThanOrEqual(16 * 1024);
    expect(received.equals(Buffer.concat(written))).toBe(true);
    await closed;
  });

  it('a connectNative client without allowHalfOpen ends and closes at the server end', async () => {
    const { port } = await netServer(
      opened,
      (socket) => {
        socket.end('bye');
      },
      { allowHalfOpen: true },
    );
    const client = opened(connectNative({ host: '127.0.0.1', port }));
    const events = record(client, ['connect', 'end', 'close']);
    const closed = next(client, 'close');
    const received = readAll(client);
    expect((await received).toString()).toBe('bye');
    await closed;
    expect(events).toEqual(['connect', 'end', 'close']);
  });
});

describe('NativeSocket: pause and resume', () => {
  it('accepted sockets start paused and read nothing until resumed', async () => {
    const { client, accepted } = await nativePair(opened);
    expect(accepted.isPaused()).toBe(true);
    const chunks: Buffer[] = [];
    accepted.on('data', (chunk: Buffer) => chunks.push(chunk));
    client.write('early');
    await sleep(50);
    expect(chunks).toEqual([]);
    accepted.resume();
    expect(accepted.isPaused()).toBe(false);
    await next(accepted, 'data');
    expect(Buffer.concat(chunks).toString()).toBe('early');
  });

  it('emits no data while paused; what came meanwhile arrives after resume, complete', async () => {
    const { client, accepted } = await nativePair(opened);
    const chunks: Buffer[] = [];
    accepted.on('data', (chunk: Buffer) => chunks.push(chunk));
    accepted.resume();
    client.write('first');
    await next(accepted, 'data');
    accepted.pause();
    expect(accepted.isPaused()).toBe(true);
    const count = chunks.length;
    const payload = randomPayload(2 * MiB);
    const written = writeAll(client, payload);
    await sleep(100);
    expect(chunks.length).toBe(count);
    const ended = next(accepted, 'end');
    accepted.resume();
    await written;
    client.end();
    await ended;
    expect(Buffer.concat(chunks).equals(Buffer.concat([Buffer.from('first'), payload]))).toBe(true);
  });

  it('pause inside a data listener stops the next data event until resume', async () => {
    const { client, accepted } = await nativePair(opened);
    const chunks: Buffer[] = [];
    accepted.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      accepted.pause();
    });
    accepted.resume();
    const payload = randomPayload(MiB);
    await writeAll(client, payload);
    client.end();
    await sleep(50);
    let reads = 0;
    while (Buffer.concat(chunks).length < payload.length) {
      const before = chunks.length;
      await sleep(5);
      expect(chunks.length).toBe(before); // paused: nothing came
      accepted.resume();
      await next(accepted, 'data');
      reads++;
      expect(reads).toBeLessThan(1000);
    }
    expect(Buffer.concat(chunks).equals(payload)).toBe(true);
  });

  it('connectNative starts paused, and a resume before connect reads after connect', async () => {
    const { port } = await netServer(opened, (socket) => socket.end('hello'));
    const client = opened(connectNative({ host: '127.0.0.1', port }));
    expect(client.isPaused()).toBe(true);
    expect(client.connecting).toBe(true);
    const received = readAll(client); // resumes while still connecting
    expect((await received).toString()).toBe('hello');
    expect(client.connecting).toBe(false);
  });
});

describe('NativeSocket: errors', () => {
  it('a write after end emits ERR_STREAM_WRITE_AFTER_END and closes, as net.Socket does', async () => {
    const { client } = await nativePair(opened);
    client.end('last');
    const events: string[] = [];
    client.on('error', (e: NodeJS.ErrnoException) => events.push(`error ${e.code}`));
    expect(client.write('too late')).toBe(false);
    await next(client, 'close');
    expect(events).toEqual(['error ERR_STREAM_WRITE_AFTER_END']);
    expect(client.destroyed).toBe(true);
  });

  it('connect to a closed port emits ECONNREFUSED (syscall connect), then close', async () => {
    const port = await closedPort();
    const client = opened(connectNative({ host: '127.0.0.1', port }));
    const events: string[] = [];
    let error: NodeJS.ErrnoException | undefined;
    client.on('error', (e: NodeJS.ErrnoException) => {
      error = e;
      events.push('error');
    });
    client.on('connect', () => events.push('connect'));
    const [hadError] = await next<[boolean]>(client, 'close');
    events.push('close');
    expect(events).toEqual(['error', 'close']);
    expect(hadError).toBe(true);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({
      code: 'ECONNREFUSED',
      syscall: 'connect',
      address: '127.0.0.1',
      port,
    });
    expect(error?.errno).toBeLessThan(0);
    expect(error?.message).toBe(`connect ECONNREFUSED 127.0.0.1:${port}`);
    expect(client.destroyed).toBe(true);
    expect(client._handle).toBeNull();
  });

  it('a localAddress that is not on this host fails with EADDRNOTAVAIL, then close', async () => {
    const { port } = await netServer(opened, () => {});
    const client = opened(
      connectNative({ host: '127.0.0.1', port, localAddress: '192.0.2.1' }), // TEST-NET-1
    );
    const events: string[] = [];
    let error: NodeJS.ErrnoException | undefined;
    client.on('error', (e: NodeJS.ErrnoException) => {
      error = e;
      events.push('error');
    });
    client.on('connect', () => events.push('connect'));
    await next(client, 'close');
    events.push('close');
    expect(events).toEqual(['error', 'close']);
    // As net's: the address that could not be bound, not the destination.
    expect(error).toMatchObject({ code: 'EADDRNOTAVAIL', syscall: 'bind', address: '192.0.2.1' });
    expect(error?.message).toBe('bind EADDRNOTAVAIL 192.0.2.1');
  });

  it('a host name that does not resolve fails with the lookup error, then close', async () => {
    const client = opened(connectNative({ host: 'no-such-host.invalid', port: 25 }));
    let error: NodeJS.ErrnoException | undefined;
    client.on('error', (e: NodeJS.ErrnoException) => {
      error = e;
    });
    await next(client, 'close');
    expect(error?.code).toMatch(/^(ENOTFOUND|EAI_AGAIN)$/);
  });

  it('connects by host name after looking it up', async () => {
    const { address } = await lookup('localhost');
    const { port } = await netServer(opened, (socket) => socket.end('by name'), {
      host: address,
    });
    const client = opened(connectNative({ host: 'localhost', port }));
    expect((await readAll(client)).toString()).toBe('by name');
    expect(client.remoteAddress).toBe(address);
  });

  it('takes writes, end and resume while it looks the host name up', async () => {
    const { address } = await lookup('localhost');
    const { port } = await netServer(
      opened,
      (socket) => {
        const got: Buffer[] = [];
        socket.on('data', (chunk: Buffer) => got.push(chunk));
        socket.on('end', () => socket.end(Buffer.concat(got)));
      },
      { host: address, allowHalfOpen: true },
    );
    const client = opened(connectNative({ host: 'localhost', port, allowHalfOpen: true }));
    expect(client.connecting).toBe(true);
    const payload = randomPayload(100_000);
    const echoed = readAll(client);
    const drained = next(client, 'drain');
    expect(client.write('early, ')).toBe(true);
    expect(client.write(payload)).toBe(false); // 16 KiB or more waiting, as after connect
    expect(client.writableNeedDrain).toBe(true);
    client.end('last');
    await drained;
    expect(
      (await echoed).equals(Buffer.concat([Buffer.from('early, '), payload, Buffer.from('last')])),
    ).toBe(true);
  });

  it('a net peer that resets (resetAndDestroy) gives ECONNRESET or a clean close', async () => {
    let peerReady: (peer: Socket) => void = () => {};
    const peerPromise = new Promise<Socket>((resolve) => {
      peerReady = resolve;
    });
    const { port } = await netServer(opened, peerReady);
    const client = await connectedNative(opened, port);
    const peer = await peerPromise;
    const events: string[] = [];
    let error: NodeJS.ErrnoException | undefined;
    client.on('error', (e: NodeJS.ErrnoException) => {
      error = e;
      events.push(`error:${e.code}`);
    });
    client.on('end', () => events.push('end'));
    client.on('data', () => events.push('data'));
    client.resume();
    const closed = next<[boolean]>(client, 'close');
    peer.write('before reset');
    await next(client, 'data');
    peer.resetAndDestroy();
    const [hadError] = await closed;
    expect(events[0]).toBe('data');
    expect(events.slice(1)).toEqual(hadError ? ['error:ECONNRESET'] : ['end']);
    if (error) expect(error).toMatchObject({ code: 'ECONNRESET', syscall: 'read' });
    expect(client._handle).toBeNull();
  });

  it('an accepted socket with writes queued when its net client resets errors, then closes', async () => {
    let resolveAccepted: (socket: NativeSocket) => void = () => {};
    const acceptedPromise = new Promise<NativeSocket>((resolve) => {
      resolveAccepted = resolve;
    });
    const { port } = await nativeServer(opened, (socket) => resolveAccepted(socket));
    const peer = await connectedNet(opened, port);
    peer.pause(); // reads nothing: the accepted side's writes queue up
    const accepted = await acceptedPromise;
    let error: NodeJS.ErrnoException | undefined;
    accepted.on('error', (e: NodeJS.ErrnoException) => {
      error = e;
    });
    accepted.resume();
    while (accepted.write(randomPayload(64 * 1024)));
    expect(accepted.writableLength).toBeGreaterThan(0);
    const closed = next<[boolean]>(accepted, 'close');
    peer.resetAndDestroy();
    const [hadError] = await closed;
    expect(hadError).toBe(true);
    expect(error?.code).toMatch(/^(ECONNRESET|EPIPE)$/);
  });

  it('a queued write that fails when the peer resets is a write error', async () => {
    let resolveAccepted: (socket: NativeSocket) => void = () => {};
    const acceptedPromise = new Promise<NativeSocket>((resolve) => {
      resolveAccepted = resolve;
    });
    const { port } = await nativeServer(opened, (socket) => resolveAccepted(socket));
    const peer = await connectedNet(opened, port);
    peer.pause();
    const accepted = await acceptedPromise; // never resumed: only its writes can fail
    let error: NodeJS.ErrnoException | undefined;
    accepted.on('error', (e: NodeJS.ErrnoException) => {
      error = e;
    });
    while (accepted.write(randomPayload(64 * 1024)));
    const closed = next(accepted, 'close');
    peer.resetAndDestroy();
    await closed;
    expect(error).toMatchObject({ syscall: 'write' });
    expect(error?.code).toMatch(/^(ECONNRESET|EPIPE)$/);
    expect(error?.message).toBe(`write ${error?.code}`);
  });

  it('writing into a peer that reset gives an error with a code, then close, no crash', async () => {
    let peerReady: (peer: Socket) => void = () => {};
    const peerPromise = new Promise<Socket>((resolve) => {
      peerReady = resolve;
    });
    const { port } = await netServer(opened, peerReady);
    const client = await connectedNative(opened, port);
    const peer = await peerPromise;
    let error: NodeJS.ErrnoException | undefined;
    client.on('error', (e: NodeJS.ErrnoException) => {
      error = e;
    });
    const closed = next(client, 'close');
    peer.resetAndDestroy();
    await sleep(20);
    // Keep writing until the reset shows; the first writes may still be taken.
    for (let i = 0; i < 100 && !client.destroyed; i++) {
      client.write(randomPayload(64 * 1024));
      await sleep(1);
    }
    await closed;
    expect(client.destroyed).toBe(true);
    expect(error?.code).toMatch(/^(ECONNRESET|EPIPE)$/);
    expect(client.write('after')).toBe(false);
  });

  it('destroy while connecting closes once, with neither connect nor error', async () => {
    const { port } = await netServer(opened, () => {});
    const client = opened(connectNative({ host: '127.0.0.1', port }));
    const events = record(client, ['connect', 'error', 'close']);
    client.destroy();
    await next(client, 'close');
    await sleep(20);
    expect(events).toEqual(['close']);
  });

  it('destroy(error) emits that error, then close with hadError', async () => {
    const { client } = await nativePair(opened);
    const events: string[] = [];
    const failure = new Error('given up');
    let seen: unknown;
    client.on('error', (e) => {
      seen = e;
      events.push('error');
    });
    const closed = next<[boolean]>(client, 'close').then(([hadError]) => {
      events.push('close');
      return hadError;
    });
    client.destroy(failure);
    expect(client.destroyed).toBe(true);
    expect(await closed).toBe(true);
    expect(seen).toBe(failure);
    expect(events).toEqual(['error', 'close']);
    client.destroy(); // a second destroy does nothing
    await sleep(10);
    expect(events).toEqual(['error', 'close']);
  });
});

describe('NativeSocket: setTimeout', () => {
  it('emits timeout after the idle time', async () => {
    const { accepted } = await nativePair(opened);
    accepted.resume();
    const started = performance.now();
    let calledBack = false;
    accepted.setTimeout(100, () => {
      calledBack = true;
    });
    await next(accepted, 'timeout');
    expect(performance.now() - started).toBeGreaterThanOrEqual(95);
    expect(calledBack).toBe(true);
    expect(accepted.destroyed).toBe(false); // timeout only tells; it does not close
  });

  // A 400 ms timeout against writes every 30 ms: a loaded CI machine may
  // stall the loop for a while, but not for the 370 ms a false timeout needs.
  it('does not time out while data arrives every 30 ms, and does once it stops', async () => {
    const { client, accepted } = await nativePair(opened);
    accepted.resume();
    let timeouts = 0;
    accepted.on('timeout', () => timeouts++);
    accepted.setTimeout(400);
    for (let i = 0; i < 20; i++) {
      await sleep(30);
      client.write('tick');
    }
    expect(timeouts).toBe(0);
    const stopped = performance.now();
    await next(accepted, 'timeout');
    expect(performance.now() - stopped).toBeGreaterThanOrEqual(300);
    expect(timeouts).toBe(1);
  });

  it('counts its own writes as activity', async () => {
    const { client, accepted } = await nativePair(opened);
    accepted.resume();
    let timeouts = 0;
    client.on('timeout', () => timeouts++);
    client.setTimeout(400);
    for (let i = 0; i < 20; i++) {
      await sleep(30);
      client.write('tock');
    }
    expect(timeouts).toBe(0);
    await next(client, 'timeout');
  });

  it('re-arms after activity that follows a timeout', async () => {
    const { client, accepted } = await nativePair(opened);
    accepted.resume();
    let timeouts = 0;
    accepted.on('timeout', () => timeouts++);
    accepted.setTimeout(100);
    await next(accepted, 'timeout');
    await sleep(250);
    expect(timeouts).toBe(1); // no activity: no second timeout
    client.write('wake up');
    await next(accepted, 'data');
    const woke = performance.now();
    await next(accepted, 'timeout');
    expect(performance.now() - woke).toBeGreaterThanOrEqual(90);
    expect(timeouts).toBe(2);
  });

  it('setTimeout(0) disables it, also after it fired', async () => {
    const { client, accepted } = await nativePair(opened);
    accepted.resume();
    let timeouts = 0;
    accepted.on('timeout', () => timeouts++);
    accepted.setTimeout(400);
    accepted.setTimeout(0);
    await sleep(600);
    expect(timeouts).toBe(0);

    accepted.setTimeout(50);
    await next(accepted, 'timeout');
    accepted.setTimeout(0);
    client.write('activity');
    await next(accepted, 'data');
    await sleep(200);
    expect(timeouts).toBe(1);
  });

  it('a longer setTimeout after a shorter one waits the longer time', async () => {
    const { accepted } = await nativePair(opened);
    accepted.resume();
    accepted.setTimeout(50);
    const started = performance.now();
    accepted.setTimeout(200);
    await next(accepted, 'timeout');
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
  });
});

describe('NativeSocket: addresses and fd', () => {
  it('reports both ends as net does, and _handle.fd while open', async () => {
    let netPeer: Socket | undefined;
    const { port } = await netServer(opened, (socket) => {
      netPeer = socket;
    });
    const client = await connectedNative(opened, port);
    while (!netPeer) await sleep(1);
    expect(client.remoteAddress).toBe('127.0.0.1');
    expect(client.remotePort).toBe(port);
    expect(client.localAddress).toBe('127.0.0.1');
    expect(client.localPort).toBe(netPeer.remotePort);
    expect(netPeer.localPort).toBe(port);

    const fd = client._handle?.fd;
    expect(typeof fd).toBe('number');
    expect(fd).toBeGreaterThanOrEqual(0);
    expect(fstatSync(fd as number).isSocket()).toBe(true);

    client.destroy();
    await next(client, 'close');
    expect(client._handle).toBeNull();
    // Read before close, the addresses stay known afterwards (as net's).
    expect(client.remotePort).toBe(port);
  });

  it('reports the addresses of an accepted socket', async () => {
    const { client, accepted, port } = await nativePair(opened);
    expect(accepted.localAddress).toBe('127.0.0.1');
    expect(accepted.localPort).toBe(port);
    expect(accepted.remoteAddress).toBe('127.0.0.1');
    expect(accepted.remotePort).toBe(client.localPort);
    expect(accepted._handle?.fd).toBeGreaterThanOrEqual(0);
    expect(accepted._handle?.fd).not.toBe(client._handle?.fd);
  });

  it('has no _handle once destroyed, even before close is emitted', async () => {
    const { client } = await nativePair(opened);
    expect(client._handle).not.toBeNull();
    client.destroy();
    expect(client._handle).toBeNull();
    await next(client, 'close');
    expect(client._handle).toBeNull();
  });

  it('has no addresses when it never connected', async () => {
    const port = await closedPort();
    const client = opened(connectNative({ host: '127.0.0.1', port }));
    client.on('error', () => {});
    await next(client, 'close');
    expect(client.remoteAddress).toBeUndefined();
    expect(client.remotePort).toBeUndefined();
    expect(client._handle).toBeNull();
  });
});

describe('NativeSocket: callbacks and the microtask queue', () => {
  it('runs each connection in the async context that made it, as net does', async () => {
    const store = new AsyncLocalStorage<string>();
    const seen: Array<string | undefined> = [];
    const server = store.run('server', () =>
      opened(
        new NativeServer((socket) => {
          socket.on('data', () => {
            seen.push(`accepted:${store.getStore()}`);
            socket.end('ok');
          });
          socket.resume();
        }),
      ),
    );
    const { port } = await store.run('server', () => server.listen(0, '127.0.0.1'));
    const client = store.run('client', () => opened(connectNative({ host: '127.0.0.1', port })));
    client.on('connect', () => client.write('hi'));
    client.on('data', () => seen.push(`client:${store.getStore()}`));
    client.resume();
    await next(client, 'close');
    expect(seen).toEqual(['accepted:server', 'client:client']);
  });

  it('runs promise jobs and nextTicks after each data callback, before a setImmediate', async () => {
    const { client, accepted } = await nativePair(opened);
    const order: string[] = [];
    let reads = 0;
    accepted.on('data', () => {
      const read = reads++;
      order.push(`data${read}`);
      Promise.resolve().then(() => order.push(`promise${read}`));
      process.nextTick(() => order.push(`tick${read}`));
      if (read === 0) setImmediate(() => order.push('immediate'));
    });
    // Several reads' worth waiting in the kernel, so that one poll of the
    // loop delivers them back to back.
    const payload = randomPayload(1024 * 1024);
    let ended = false;
    accepted.on('end', () => {
      ended = true;
    });
    client.end(payload);
    await sleep(50);
    accepted.resume();
    while (!ended) await sleep(5);
    expect(reads).toBeGreaterThan(1);
    const expected: string[] = [];
    for (let read = 0; read < reads; read++) {
      expected.push(`data${read}`, `tick${read}`, `promise${read}`);
    }
    const withoutImmediate = order.filter((entry) => entry !== 'immediate');
    expect(withoutImmediate).toEqual(expected);
    const immediate = order.indexOf('immediate');
    expect(immediate).toBeGreaterThan(order.indexOf('promise0'));
  });

  it('runs promise jobs after connect, end and close callbacks', async () => {
    const { port } = await netServer(opened, (socket) => socket.end('x'));
    const client = opened(connectNative({ host: '127.0.0.1', port }));
    const order: string[] = [];
    for (const event of ['connect', 'data', 'end', 'close']) {
      client.on(event, () => {
        order.push(event);
        Promise.resolve().then(() => order.push(`${event}:promise`));
      });
    }
    client.resume();
    await next(client, 'close');
    await sleep(0);
    expect(order).toEqual([
      'connect',
      'connect:promise',
      'data',
      'data:promise',
      'end',
      'end:promise',
      'close',
      'close:promise',
    ]);
  });
});
