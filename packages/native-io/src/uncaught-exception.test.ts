// Exceptions thrown by listeners the addon calls, in a child process each:
// an uncaught exception ends the process that has no handler for it.
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const TSX = createRequire(import.meta.url).resolve('tsx/esm');
const INDEX = fileURLToPath(new URL('./index.ts', import.meta.url));

/** Starts a NativeServer whose `data` listener throws at "boom", and a client sending to it. */
const DATA_LISTENER_THROWS = `
const { NativeServer, connectNative } = await import(${JSON.stringify(INDEX)});
const caught = [];
if (process.env.HANDLE === '1') {
  process.on('uncaughtException', (error) => caught.push(error.message));
}
const got = [];
const server = new NativeServer((socket) => {
  socket.on('data', (chunk) => {
    got.push(String(chunk));
    if (String(chunk) === 'boom') throw new Error('thrown in a data listener');
  });
  socket.on('end', () => {
    socket.end();
    server.close();
    console.log(JSON.stringify({ caught, got }));
  });
  socket.resume();
});
const { port } = await server.listen(0, '127.0.0.1');
const client = connectNative({ host: '127.0.0.1', port });
client.on('connect', () => {
  client.write('boom');
  setTimeout(() => client.end('after'), 100);
});
client.resume();
`;

/** A connection listener that throws, then a second connection to the same server. */
const CONNECTION_LISTENER_THROWS = `
const { NativeServer, connectNative } = await import(${JSON.stringify(INDEX)});
const caught = [];
process.on('uncaughtException', (error) => caught.push(error.message));
let connections = 0;
let first;
const firstClosed = [];
const server = new NativeServer((socket) => {
  if (connections++ === 0) {
    first = socket;
    socket.on('close', () => firstClosed.push('close'));
    throw new Error('thrown in a connection listener');
  }
  socket.on('data', (chunk) => socket.end(chunk));
  socket.resume();
});
const { port } = await server.listen(0, '127.0.0.1');
const one = connectNative({ host: '127.0.0.1', port });
one.on('error', () => {});
one.resume();
await new Promise((resolve) => one.on('close', resolve));
// The socket the throwing listener had is closed, not left half alive.
first.destroy();
first.write('ignored');
await new Promise((resolve) => setTimeout(resolve, 50));
const two = connectNative({ host: '127.0.0.1', port });
two.on('connect', () => two.write('second'));
const echoed = [];
two.on('data', (chunk) => echoed.push(String(chunk)));
two.resume();
await new Promise((resolve) => two.on('close', resolve));
server.close();
console.log(JSON.stringify({ caught, firstClosed, echoed: echoed.join('') }));
`;

/** A connection listener whose nextTick throws: the connection itself is fine. */
const CONNECTION_TICK_THROWS = `
const { NativeServer, connectNative } = await import(${JSON.stringify(INDEX)});
const caught = [];
process.on('uncaughtException', (error) => caught.push(error.message));
const events = [];
const server = new NativeServer((socket) => {
  process.nextTick(() => {
    throw new Error('thrown in a nextTick of a connection listener');
  });
  socket.on('data', (chunk) => socket.end(chunk));
  socket.on('close', () => events.push('close'));
  socket.resume();
});
const { port } = await server.listen(0, '127.0.0.1');
const client = connectNative({ host: '127.0.0.1', port });
client.on('connect', () => client.write('echo me'));
const echoed = [];
client.on('data', (chunk) => echoed.push(String(chunk)));
client.on('error', (error) => events.push(error.code));
client.resume();
await new Promise((resolve) => client.on('close', resolve));
await new Promise((resolve) => setTimeout(resolve, 50));
server.close();
console.log(JSON.stringify({ caught, events, echoed: echoed.join('') }));
`;

interface Outcome {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

function run(script: string, env: Record<string, string> = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--conditions=source', '--import', TSX, '--input-type=module', '-e', script],
      { env: { ...process.env, ...env }, timeout: 30_000 },
      (error, stdout, stderr) => {
        const failure = error as (Error & { code?: number; signal?: string }) | null;
        resolve({
          code: failure ? (failure.code ?? null) : 0,
          signal: failure?.signal ?? null,
          stdout,
          stderr,
        });
      },
    );
  });
}

describe('exceptions in listeners the addon calls', () => {
  it('reach process.on(uncaughtException), and the socket keeps working', async () => {
    const outcome = await run(DATA_LISTENER_THROWS, { HANDLE: '1' });
    expect(outcome.stderr).toBe('');
    expect({ code: outcome.code, signal: outcome.signal }).toEqual({ code: 0, signal: null });
    const report = JSON.parse(outcome.stdout);
    expect(report.caught).toEqual(['thrown in a data listener']);
    expect(report.got.join('')).toBe('boomafter');
  });

  it('without a handler end the process with code 1 and the error on stderr, not a crash', async () => {
    const outcome = await run(DATA_LISTENER_THROWS, { HANDLE: '0' });
    expect({ code: outcome.code, signal: outcome.signal }).toEqual({ code: 1, signal: null });
    expect(outcome.stderr).toContain('Error: thrown in a data listener');
    expect(outcome.stderr).toMatch(/at NativeSocket\.<anonymous>|at .*\[eval1\]/);
    expect(outcome.stdout).toBe('');
  });

  it('from a connection listener reach uncaughtException and the server goes on', async () => {
    const outcome = await run(CONNECTION_LISTENER_THROWS);
    expect(outcome.stderr).toBe('');
    expect({ code: outcome.code, signal: outcome.signal }).toEqual({ code: 0, signal: null });
    expect(JSON.parse(outcome.stdout)).toEqual({
      caught: ['thrown in a connection listener'],
      firstClosed: ['close'],
      echoed: 'second',
    });
  });

  it('from a nextTick of a connection listener leave that connection working', async () => {
    const outcome = await run(CONNECTION_TICK_THROWS);
    expect(outcome.stderr).toBe('');
    expect({ code: outcome.code, signal: outcome.signal }).toEqual({ code: 0, signal: null });
    expect(JSON.parse(outcome.stdout)).toEqual({
      caught: ['thrown in a nextTick of a connection listener'],
      events: ['close'],
      echoed: 'echo me',
    });
  });
});
