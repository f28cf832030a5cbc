// Memory probe for warpd (issue 5: peak RSS <= 80 MiB under the lab bench).
// Runs several warpd variants side by side against one smtp-sink, each on its
// own free port, with interleaved rounds of smtp-source (20 sessions, 4 KiB,
// one connection per message, as relay-throughput.ts), and prints per variant:
// RSS right after start, peak RSS (VmHWM), msg/s and CPU ms per message, with
// direct-to-sink msg/s and the load average of the same run. With --breakdown
// each warpd also samples process.memoryUsage() and V8's heap spaces every
// 20 ms (a preloaded module; it costs a little CPU) and prints their peaks.
// With --full: 500 idle sessions and one 50 MB message per variant, after the
// rounds (--rounds 0: only these).
//
// A variant is name=bundle[,node-flag...]; `current` is the lab build of the
// working tree (the default). To compare a change with the code before it,
// build or copy the older bundle inside apps/warpd (pino resolves from there;
// not dist/, which builds clean), e.g.:
//   node_modules/.bin/tsx --conditions=source tooling/lab/bench/memory-probe.ts \
//     --breakdown --rounds 5 before=apps/warpd/.warp-scratch/before.js current \
//     'small=current,--max-semi-space-size=2'
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildWarpd } from '../src/warpd-process';
import {
  bigMessage,
  cpuTimeMs,
  freePort,
  idleSessions,
  loadAverage,
  median,
  smtpSource,
  statusMiB,
  stopChild,
  waitPort,
} from './bench-process';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: 'string', default: '3' },
    messages: { type: 'string', default: '2000' },
    breakdown: { type: 'boolean', default: false },
    full: { type: 'boolean', default: false },
  },
});
const rounds = Number(values.rounds);
const messages = Number(values.messages);
const SESSIONS = 20;
const dir = mkdtempSync(join(tmpdir(), 'warp-memprobe-'));
const children: ChildProcess[] = [];

// Peaks of process.memoryUsage() and of each V8 heap space, written at exit.
const SAMPLER = `
import { writeFileSync } from 'node:fs';
import { getHeapSpaceStatistics } from 'node:v8';
const peak = {};
const sample = () => {
  const now = process.memoryUsage();
  for (const space of getHeapSpaceStatistics()) now[space.space_name] = space.space_size;
  for (const key of Object.keys(now)) if (!(now[key] <= peak[key])) peak[key] = now[key];
};
setInterval(sample, 20).unref();
process.on('exit', () => { sample(); writeFileSync(process.env.WARP_MEM_PROBE_OUT, JSON.stringify(peak)); });
`;
const SHOWN = [
  'rss',
  'heapTotal',
  'heapUsed',
  'external',
  'arrayBuffers',
  'new_space',
  'old_space',
];

interface Variant {
  name: string;
  bundle: string;
  flags: string[];
  port: number;
  pid: number;
  child?: ChildProcess;
  startRss: number;
  warmRss: number;
  msgPerS: number[];
  cpuMs: number;
  peaksFile: string;
}

function start(file: string, args: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
  const child = spawn(file, args, { stdio: ['ignore', 'ignore', 'inherit'], env });
  children.push(child);
  return child;
}

const mib = (bytes: number) => (bytes / 1048576).toFixed(1);

async function probeIdle(variant: Variant): Promise<string> {
  const { before, during } = await idleSessions(variant.port, variant.pid);
  return `500 idle ${during.toFixed(1)} MiB (before ${before.toFixed(1)})`;
}

async function probeBig(variant: Variant): Promise<string> {
  const { hwm, rssBefore, growth } = await bigMessage(variant.port, variant.pid);
  return `50 MB message: peak ${hwm.toFixed(1)} MiB (RSS before ${rssBefore.toFixed(1)}), growth of the peak ${growth.toFixed(1)} MiB`;
}

async function startVariants(specs: string[], sink: number): Promise<Variant[]> {
  const current = await buildWarpd();
  const sampler = join(dir, 'sampler.mjs');
  writeFileSync(sampler, SAMPLER);
  const variants: Variant[] = [];
  for (const spec of specs) {
    const [head = 'current', ...flags] = spec.split(',');
    const [name = head, file = name] = head.split('=');
    const variant: Variant = {
      name,
      bundle: file === 'current' ? current : resolve(file),
      flags,
      port: await freePort(),
      pid: 0,
      startRss: 0,
      warmRss: 0,
      msgPerS: [],
      cpuMs: 0,
      peaksFile: join(dir, `${name}.peaks.json`),
    };
    const config = join(dir, `${name}.config.json`);
    writeFileSync(
      config,
      JSON.stringify({
        listen: [`127.0.0.1:${variant.port}`],
        fixedDestination: `127.0.0.1:${sink}`,
        log: { level: 'warn' },
        plugins: [],
        maxSessions: 2000,
      }),
    );
    const preload = values.breakdown ? ['--import', sampler] : [];
    variant.child = start(
      process.execPath,
      [...variant.flags, ...preload, variant.bundle, 'run', '-c', config],
      { ...process.env, WARP_MEM_PROBE_OUT: variant.peaksFile },
    );
    variant.pid = variant.child.pid as number;
    await waitPort(variant.port);
    await new Promise((r) => setTimeout(r, 300));
    variant.startRss = statusMiB(variant.pid, 'VmRSS');
    variants.push(variant);
  }
  return variants;
}

function printThroughput(variants: Variant[], direct: number[]): void {
  const load = loadAverage();
  console.log(
    `${SESSIONS} sessions, 4 KiB, one connection per message, ${messages} messages x ${rounds} rounds; load average ${load}`,
  );
  console.log(`  direct (baseline) ${median(direct).toFixed(0)} msg/s`);
  for (const v of variants) {
    const m = median(v.msgPerS);
    console.log(
      `  ${v.name.padEnd(14)} start ${v.startRss.toFixed(1)} MiB, after warm-up ${v.warmRss.toFixed(1)} MiB, peak ${statusMiB(v.pid, 'VmHWM').toFixed(1)} MiB; ${m.toFixed(0)} msg/s = ${(m / median(direct)).toFixed(2)}x direct (rounds ${v.msgPerS.map((r) => r.toFixed(0)).join(', ')}); CPU ${(v.cpuMs / (messages * rounds)).toFixed(3)} ms/msg`,
    );
  }
}

async function printPeaks(variants: Variant[]): Promise<void> {
  await Promise.all(variants.map((variant) => variant.child && stopChild(variant.child)));
  for (const variant of variants) {
    const peak = JSON.parse(readFileSync(variant.peaksFile, 'utf8')) as Record<string, number>;
    const shown = SHOWN.map((key) => `${key} ${mib(peak[key] ?? 0)}`).join(', ');
    console.log(`  ${variant.name.padEnd(14)} peaks (MiB): ${shown}`);
  }
}

async function main(): Promise<void> {
  const sink = await freePort();
  start('smtp-sink', ['-u', 'nobody', `127.0.0.1:${sink}`, '1024']);
  await waitPort(sink);
  const variants = await startVariants(positionals.length > 0 ? positionals : ['current'], sink);
  for (const variant of variants) {
    await smtpSource(variant.port, SESSIONS, 200); // warm-up (JIT)
    variant.warmRss = statusMiB(variant.pid, 'VmRSS');
  }
  const direct: number[] = [];
  for (let round = 0; round < rounds; round++) {
    direct.push(await smtpSource(sink, SESSIONS, messages));
    for (const variant of variants) {
      const before = cpuTimeMs(variant.pid);
      variant.msgPerS.push(await smtpSource(variant.port, SESSIONS, messages));
      variant.cpuMs += cpuTimeMs(variant.pid) - before;
    }
  }
  if (rounds > 0) printThroughput(variants, direct);
  if (values.full) {
    for (const variant of variants) {
      const idle = await probeIdle(variant);
      console.log(`  ${variant.name.padEnd(14)} ${idle}; ${await probeBig(variant)}`);
    }
  }
  if (values.breakdown) await printPeaks(variants);
}

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  });
