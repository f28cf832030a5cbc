// Relay benchmark: Postfix's smtp-source (20 parallel sessions, 4 KiB
// messages, one connection per message) against smtp-sink, three ways in
// interleaved rounds: direct, through warpd, through haproxy (plain TCP
// relay, the baseline). Then single-session latency, warpd's peak RSS and CPU
// per message, 500 idle sessions and one 50 MB message.
//
// Run (root not needed; loopback only):
//   node_modules/.bin/tsx --conditions=source tooling/lab/bench/relay-throughput.ts [rounds] [messages]
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../src/run-command';
import { buildWarpd } from '../src/warpd-process';

const rounds = Number(process.argv[2] ?? 3);
const messages = Number(process.argv[3] ?? 2000);
const SINK = 11025;
const WARPD = 11026;
const HAPROXY = 11027;
const dir = mkdtempSync(join(tmpdir(), 'warp-bench-'));
const children: ChildProcess[] = [];

function start(file: string, args: string[]): ChildProcess {
  const child = spawn(file, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(child);
  return child;
}

async function waitPort(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing listens on 127.0.0.1:${port}`);
}

function procStatus(pid: number, field: string): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${field}:`));
  return Number(line?.split(/\s+/)[1] ?? 0) / 1024;
}

function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

async function source(port: number, sessions: number, count: number): Promise<number> {
  const started = performance.now();
  await run(
    'smtp-source',
    [
      '-s',
      String(sessions),
      '-l',
      '4096',
      '-m',
      String(count),
      '-f',
      'bench@example.org',
      '-t',
      'sink@example.net',
      `127.0.0.1:${port}`,
    ],
    { timeoutMs: 600_000 },
  );
  return performance.now() - started;
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

async function main(): Promise<void> {
  const bundle = await buildWarpd();
  start('smtp-sink', ['-u', 'nobody', `127.0.0.1:${SINK}`, '1024']);
  writeFileSync(
    join(dir, 'warpd.json'),
    JSON.stringify({
      listen: [`127.0.0.1:${WARPD}`],
      fixedDestination: `127.0.0.1:${SINK}`,
      log: { level: 'warn' },
      plugins: [],
      maxSessions: 2000,
    }),
  );
  const warpd = start(process.execPath, [bundle, 'run', '-c', join(dir, 'warpd.json')]);
  writeFileSync(
    join(dir, 'haproxy.cfg'),
    `defaults\n  mode tcp\n  timeout connect 5s\n  timeout client 60s\n  timeout server 60s\nlisten smtp\n  bind 127.0.0.1:${HAPROXY}\n  server sink 127.0.0.1:${SINK}\n`,
  );
  const haproxy = start('haproxy', ['-f', join(dir, 'haproxy.cfg'), '-db']);
  await Promise.all([waitPort(SINK), waitPort(WARPD), waitPort(HAPROXY)]);
  const pid = warpd.pid as number;
  await source(WARPD, 20, 200); // warm-up (JIT)

  const results: Record<string, number[]> = { direct: [], warpd: [], haproxy: [] };
  let warpdCpu = 0;
  let haproxyCpu = 0;
  for (let round = 0; round < rounds; round++) {
    for (const [name, port] of [
      ['direct', SINK],
      ['warpd', WARPD],
      ['haproxy', HAPROXY],
    ] as const) {
      const cpuBefore = cpuMs(pid);
      const haproxyBefore = cpuMs(haproxy.pid as number);
      const ms = await source(port, 20, messages);
      if (name === 'warpd') warpdCpu += cpuMs(pid) - cpuBefore;
      if (name === 'haproxy') haproxyCpu += cpuMs(haproxy.pid as number) - haproxyBefore;
      results[name]?.push((messages * 1000) / ms);
    }
  }
  const direct = median(results.direct ?? []);
  console.log(
    `throughput, 20 sessions, 4 KiB, one connection per message, ${messages} messages x ${rounds} rounds (median msg/s):`,
  );
  for (const name of ['direct', 'warpd', 'haproxy']) {
    const m = median(results[name] ?? []);
    console.log(
      `  ${name.padEnd(8)} ${m.toFixed(0).padStart(6)} msg/s  ${(m / direct).toFixed(2)}x direct  (rounds: ${(results[name] ?? []).map((v) => v.toFixed(0)).join(', ')})`,
    );
  }
  console.log(
    `  baseline: haproxy/direct = ${(median(results.haproxy ?? []) / direct).toFixed(2)}x; target: warpd >= haproxy`,
  );

  const single: Record<string, number> = {};
  for (const [name, port] of [
    ['direct', SINK],
    ['warpd', WARPD],
    ['haproxy', HAPROXY],
  ] as const) {
    single[name] = (await source(port, 1, 300)) / 300;
  }
  console.log('single session, per message (connect..QUIT):');
  for (const name of ['direct', 'warpd', 'haproxy'])
    console.log(`  ${name.padEnd(8)} ${single[name]?.toFixed(3)} ms`);
  console.log(
    `  added by warpd: ${((single.warpd ?? 0) - (single.direct ?? 0)).toFixed(3)} ms (haproxy: ${((single.haproxy ?? 0) - (single.direct ?? 0)).toFixed(3)} ms); target <= 1 ms`,
  );
  console.log(
    `warpd CPU: ${(warpdCpu / (messages * rounds)).toFixed(3)} ms per message, user+system (target <= 0.5); baseline haproxy: ${(haproxyCpu / (messages * rounds)).toFixed(3)} ms`,
  );
  console.log(`warpd peak RSS so far: ${procStatus(pid, 'VmHWM').toFixed(1)} MiB (target <= 80)`);

  const idle: Socket[] = [];
  const rssBefore = procStatus(pid, 'VmRSS');
  for (let i = 0; i < 500; i++) {
    const socket = connect({ host: '127.0.0.1', port: WARPD });
    socket.on('error', () => {});
    await new Promise<void>((resolve) => socket.once('data', () => resolve()));
    idle.push(socket);
  }
  console.log(
    `500 idle sessions: warpd RSS ${procStatus(pid, 'VmRSS').toFixed(1)} MiB (before ${rssBefore.toFixed(1)} MiB; target <= 100)`,
  );
  for (const socket of idle) socket.destroy();
  await new Promise((r) => setTimeout(r, 500));

  const hwmBefore = procStatus(pid, 'VmHWM');
  const rssBig = procStatus(pid, 'VmRSS');
  const big = connect({ host: '127.0.0.1', port: WARPD });
  let replies = '';
  const waitReply = (pattern: RegExp) =>
    new Promise<void>((resolve) => {
      const check = (): void => {
        if (pattern.test(replies)) {
          resolve();
          return;
        }
        big.once('data', (chunk: Buffer) => {
          replies += chunk.toString();
          check();
        });
      };
      check();
    });
  await waitReply(/^220 /m);
  big.write('EHLO bench.example.org\r\n');
  await waitReply(/^250 /m);
  big.write('MAIL FROM:<bench@example.org>\r\nRCPT TO:<sink@example.net>\r\nDATA\r\n');
  await waitReply(/^354 /m);
  const line = Buffer.from(`${'y'.repeat(998)}\r\n`);
  const started = performance.now();
  for (let sent = 0; sent < 50 * 1024 * 1024; sent += line.length * 64) {
    if (!big.write(Buffer.concat(Array(64).fill(line))))
      await new Promise((r) => big.once('drain', r));
  }
  replies = '';
  big.write('.\r\nQUIT\r\n');
  await waitReply(/^221 /m);
  console.log(
    `50 MB message: ${(performance.now() - started).toFixed(0)} ms; warpd peak RSS ${procStatus(pid, 'VmHWM').toFixed(1)} MiB (before ${hwmBefore.toFixed(1)}, RSS before ${rssBig.toFixed(1)}; growth ${(procStatus(pid, 'VmHWM') - Math.max(hwmBefore, rssBig)).toFixed(1)} MiB of peak; target growth <= 16)`,
  );
  big.destroy();
}

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => {
    for (const child of children) child.kill('SIGTERM');
  });
