// The addon is one per process: two instances of this package's modules
// share it (Node caches it by path), and with it the callbacks of the first
// instance that initialised it; another thread is refused.
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { nativeBinding } from './native-socket';

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const close of cleanup.splice(0)) close();
});

describe('two copies of the modules in one process', () => {
  it('both serve and connect, whichever loaded the addon first', async () => {
    const first = await import('./index');
    vi.resetModules();
    const second = await import('./index');
    expect(second.NativeServer).not.toBe(first.NativeServer);

    // Server from one copy, client from the other, in both directions.
    for (const [serverCopy, clientCopy] of [
      [first, second],
      [second, first],
    ] as const) {
      const got: Buffer[] = [];
      const server = new serverCopy.NativeServer((socket) => {
        cleanup.push(() => socket.destroy());
        socket.on('data', (chunk: Buffer) => got.push(chunk));
        socket.on('end', () => socket.end('bye'));
        socket.resume();
      });
      cleanup.push(() => server.close());
      const { port } = await server.listen(0, '127.0.0.1');
      const client = clientCopy.connectNative({ host: '127.0.0.1', port });
      cleanup.push(() => client.destroy());
      const reply: Buffer[] = [];
      client.on('data', (chunk: Buffer) => reply.push(chunk));
      client.resume();
      client.end('hello');
      await new Promise((resolve) => client.once('close', resolve));
      expect(Buffer.concat(got).toString()).toBe('hello');
      expect(Buffer.concat(reply).toString()).toBe('bye');
    }
  });
});

describe('threads', () => {
  it('refuses a worker thread with a clear error once the main thread has the addon', async () => {
    nativeBinding(); // the main thread initialises it first
    const path = fileURLToPath(new URL('../build/Release/native_io.node', import.meta.url));
    const worker = new Worker(
      `
      const { parentPort, workerData } = require('node:worker_threads');
      const binding = require(workerData);
      try {
        binding.init(() => {}, () => {}, () => {});
        parentPort.postMessage('initialised');
      } catch (error) {
        parentPort.postMessage(error.message);
      }
      `,
      { eval: true, workerData: path },
    );
    const [message] = await Promise.all([
      new Promise((resolve) => worker.once('message', resolve)),
      new Promise((resolve) => worker.once('exit', resolve)),
    ]);
    expect(message).toBe('@warp/native-io runs on one thread (the first that loads it)');
  });
});
