// What the lab's bench scripts share: ports, /proc figures of a process,
// smtp-source runs, the idle-session and 50 MB probes.
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { run } from '../src/run-command';

/** A loopback port nothing listens on right now (other benches may run at the same time). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts on 127.0.0.1:`port` (10 s at most). */
export async function waitPort(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing listens on 127.0.0.1:${port}`);
}

/** A kB field of /proc/<pid>/status (`VmRSS`, `VmHWM`) in MiB. */
export function statusMiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${field}:`));
  return Number(line?.split(/\s+/)[1] ?? 0) / 1024;
}

/** User + system CPU time of a process so far, in ms. */
export function cpuTimeMs(pid: number): number {
  return statCpuMs(`/proc/${pid}/stat`);
}

/** CPU time of a process's main thread alone (its event loop: the relay), in ms. */
export function mainThreadCpuTimeMs(pid: number): number {
  return statCpuMs(`/proc/${pid}/task/${pid}/stat`);
}

function statCpuMs(path: string): number {
  const fields = readFileSync(path, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/** smtp-source: `count` 4 KiB messages over `parallel` sessions, one connection each; resolves with msg/s. */
export async function smtpSource(port: number, parallel: number, count: number): Promise<number> {
  const started = performance.now();
  const envelope = ['-f', 'bench@example.org', '-t', 'sink@example.net'];
  const load = ['-s', String(parallel), '-l', '4096', '-m', String(count)];
  await run('smtp-source', [...load, ...envelope, `127.0.0.1:${port}`], { timeoutMs: 600_000 });
  return (count * 1000) / (performance.now() - started);
}

/** One message of about `bytes` (998-octet lines) through 127.0.0.1:`port`, EHLO to QUIT, with backpressure. */
export async function sendMessage(port: number, bytes: number): Promise<void> {
  const socket = connect({ host: '127.0.0.1', port });
  let replies = '';
  const reply = (pattern: RegExp) =>
    new Promise<void>((resolve) => {
      const check = (): void => {
        if (pattern.test(replies)) resolve();
        else
          socket.once('data', (chunk: Buffer) => {
            replies += chunk.toString();
            check();
          });
      };
      check();
    });
  await reply(/^220 /m);
  socket.write('EHLO bench.example.org\r\n');
  await reply(/^250 /m);
  socket.write('MAIL FROM:<bench@example.org>\r\nRCPT TO:<sink@example.net>\r\nDATA\r\n');
  await reply(/^354 /m);
  const block = Buffer.concat(Array(64).fill(Buffer.from(`${'y'.repeat(998)}\r\n`)));
  for (let sent = 0; sent < bytes; sent += block.length) {
    if (!socket.write(block)) await new Promise((r) => socket.once('drain', r));
  }
  replies = '';
  socket.write('.\r\nQUIT\r\n');
  await reply(/^221 /m);
  socket.destroy();
}

/** The median (upper middle for an even count). */
export const median = (values: readonly number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

/**
 * Builds native-pipe/ (node-gyp from npm, against the running Node's headers)
 * when its addon is missing or older than its sources; returns the script
 * that runs it.
 */
export async function buildNativePipe(): Promise<string> {
  const dir = join(import.meta.dirname, 'native-pipe');
  const addon = join(dir, 'build/Release/native_pipe.node');
  const sources = ['native-pipe.c', 'binding.gyp'].map((name) => statSync(join(dir, name)).mtimeMs);
  if (!existsSync(addon) || statSync(addon).mtimeMs < Math.max(...sources)) {
    const prefix = dirname(dirname(process.execPath));
    const nodeGyp = join(prefix, 'lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js');
    await run(process.execPath, [nodeGyp, 'rebuild', `--directory=${dir}`, `--nodedir=${prefix}`], {
      timeoutMs: 300_000,
    });
  }
  return join(dir, 'native-pipe.mjs');
}

/** The load average, as the benches print it. */
export function loadAverage(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

/** Sends SIGTERM and waits for the exit (at once when it has exited already). */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** RSS (MiB) of process `pid` before and while `count` sessions to `port` sit idle after their greeting. */
export async function idleSessions(
  port: number,
  pid: number,
  count = 500,
): Promise<{ before: number; during: number }> {
  const idle: Socket[] = [];
  const before = statusMiB(pid, 'VmRSS');
  for (let i = 0; i < count; i++) {
    const socket = connect({ host: '127.0.0.1', port });
    socket.on('error', () => {});
    await new Promise<void>((resolve) => socket.once('data', () => resolve()));
    idle.push(socket);
  }
  const during = statusMiB(pid, 'VmRSS');
  for (const socket of idle) socket.destroy();
  await new Promise((resolve) => setTimeout(resolve, 500));
  return { before, during };
}

/**
 * One 50 MB message through `port`; process `pid`'s peak RSS before and
 * after, its RSS before, the peak's growth over the higher of the two
 * (MiB), and the time from EHLO to QUIT.
 */
export async function bigMessage(
  port: number,
  pid: number,
): Promise<{ ms: number; hwmBefore: number; rssBefore: number; hwm: number; growth: number }> {
  const hwmBefore = statusMiB(pid, 'VmHWM');
  const rssBefore = statusMiB(pid, 'VmRSS');
  const started = performance.now();
  await sendMessage(port, 50 * 1024 * 1024);
  const ms = performance.now() - started;
  const hwm = statusMiB(pid, 'VmHWM');
  return { ms, hwmBefore, rssBefore, hwm, growth: hwm - Math.max(hwmBefore, rssBefore) };
}
