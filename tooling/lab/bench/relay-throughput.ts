// Relay benchmark: Postfix's smtp-source (20 parallel sessions, 4 KiB
// messages, one connection per message) against smtp-sink, eight ways in
// interleaved rounds: direct; through warpd as configured by default (no
// plugins: storage off; io auto, so @warp/native-io's sockets); through
// warpd with Node's own sockets (io node); through haproxy (plain TCP relay,
// the baseline, with its default of one thread per core) and haproxy on one
// thread (as warpd runs); through a second warpd with storage on (warpd's
// default store, @warp/plugin-sqlite, a database in the bench's temp dir);
// through node-pipe (pipe-proxy.mjs: Node `net` sockets piped both ways, no
// parsing) and native-pipe (native-pipe/: bytes relayed by libuv on Node's
// loop, JavaScript seeing every chunk). Then single-session latency,
// warpd's peak RSS and CPU per message, 500 idle sessions and one 50 MB
// message, and what the storing warpd wrote.
//
// Run (root not needed; loopback only):
//   node_modules/.bin/tsx --conditions=source tooling/lab/bench/relay-throughput.ts [rounds] [messages]
// WARP_BENCH_WAYS=warpd,warpd-sqlite (any of direct, warpd, warpd-node-io,
// haproxy, haproxy-1t, warpd-sqlite, warpd-sqlite-worker, warpd-observer,
// node-pipe, native-pipe) runs only those ways and skips the idle-session and
// 50 MB parts: for quick iterations. warpd-sqlite is warpd's default plugin
// list; warpd-sqlite-worker the same store in a worker thread ("worker":
// true); warpd-observer warpd with a plugin that takes every event and does
// nothing (idle-observer.mjs): the floor of any store.
// WARP_BENCH_WARM_UP (default 4000) is the number of messages each relay gets
// before the measured rounds.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_PLUGINS } from '../../../apps/warpd/src/run-daemon';
import { buildWarpd, queryStore, SQLITE_PLUGIN_BUNDLE } from '../src/warpd-process';
import {
  bigMessage,
  buildNativePipe,
  cpuTimeMs,
  freePort,
  idleSessions,
  loadAverage,
  mainThreadCpuTimeMs,
  median,
  smtpSource,
  statusMiB,
  stopChild,
  waitPort,
} from './bench-process';

const rounds = Number(process.argv[2] ?? 3);
const messages = Number(process.argv[3] ?? 2000);
const WARM_UP = Number(process.env.WARP_BENCH_WARM_UP ?? 4000);
// Free ports, so runs by several people (or agents) at once do not collide.
const SINK = await freePort();
const WARPD = await freePort();
const HAPROXY = await freePort();
const WARPD_SQLITE = await freePort();
const WARPD_SQLITE_WORKER = await freePort();
const WARPD_OBSERVER = await freePort();
const NODE_PIPE = await freePort();
const NATIVE_PIPE = await freePort();
const WARPD_NODE_IO = await freePort();
const HAPROXY_1T = await freePort();
const ALL_WAYS = [
  'direct',
  'warpd',
  'warpd-node-io',
  'haproxy',
  'haproxy-1t',
  'warpd-sqlite',
  'warpd-sqlite-worker',
  'warpd-observer',
  'node-pipe',
  'native-pipe',
] as const;
type Way = (typeof ALL_WAYS)[number];
const PORTS: Record<Way, number> = {
  direct: SINK,
  warpd: WARPD,
  'warpd-node-io': WARPD_NODE_IO,
  haproxy: HAPROXY,
  'haproxy-1t': HAPROXY_1T,
  'warpd-sqlite': WARPD_SQLITE,
  'warpd-sqlite-worker': WARPD_SQLITE_WORKER,
  'warpd-observer': WARPD_OBSERVER,
  'node-pipe': NODE_PIPE,
  'native-pipe': NATIVE_PIPE,
};
const ways = (process.env.WARP_BENCH_WAYS?.split(',') ?? [...ALL_WAYS]).map((name) => {
  const way = ALL_WAYS.find((w) => w === name.trim());
  if (!way)
    throw new Error(`WARP_BENCH_WAYS: unknown way "${name}" (ways: ${ALL_WAYS.join(', ')})`);
  return way;
});
const dir = mkdtempSync(join(tmpdir(), 'warp-bench-'));
/** The database of each storing way. */
const DATABASES = {
  'warpd-sqlite': join(dir, 'warp.sqlite'),
  'warpd-sqlite-worker': join(dir, 'warp-worker.sqlite'),
} as const;
type StoringWay = keyof typeof DATABASES;
const STORING_WAYS = Object.keys(DATABASES) as StoringWay[];
const children: ChildProcess[] = [];
const STORE_SETTLE_MS = 300;

function start(
  file: string,
  args: string[],
  stderr: 'inherit' | 'ignore' = 'inherit',
): ChildProcess {
  const child = spawn(file, args, { stdio: ['ignore', 'ignore', stderr] });
  children.push(child);
  return child;
}

function writeWarpdConfig(
  name: string,
  port: number,
  plugins: unknown[],
  extra: Record<string, unknown> = {},
): string {
  const path = join(dir, `${name}.json`);
  writeFileSync(
    path,
    JSON.stringify({
      listen: [`127.0.0.1:${port}`],
      fixedDestination: `127.0.0.1:${SINK}`,
      log: { level: 'warn' },
      plugins,
      maxSessions: 2000,
      ...extra,
    }),
  );
  return path;
}

/** Rows the storing warpd wrote (read after it stopped and flushed). */
function storedRows(path: string): Record<string, number> {
  const count = (table: string) =>
    (queryStore(path, `select count(*) as n from ${table}`)[0] as { n: number }).n;
  return {
    sessions: count('sessions'),
    transactions: count('transactions'),
    exchanges: count('exchanges'),
  };
}

/** haproxy as a plain TCP relay from `port` to the sink; `global` is its global section, if any. */
function startHaproxy(name: string, port: number, global: string): ChildProcess {
  const config = join(dir, `${name}.cfg`);
  writeFileSync(
    config,
    `${global}defaults\n  mode tcp\n  timeout connect 5s\n  timeout client 60s\n  timeout server 60s\nlisten smtp\n  bind 127.0.0.1:${port}\n  server sink 127.0.0.1:${SINK}\n`,
  );
  return start('haproxy', ['-f', config, '-db']);
}

/** The relays of the run (every way but direct), started only when asked for. */
type Relay = Exclude<Way, 'direct'>;

function storingPlugins(way: StoringWay, extra: Record<string, unknown> = {}): unknown[] {
  return DEFAULT_PLUGINS.map((entry) =>
    entry.use === '@warp/plugin-sqlite'
      ? {
          ...entry,
          ...extra,
          use: SQLITE_PLUGIN_BUNDLE,
          options: { ...(entry.options as object), path: DATABASES[way] },
        }
      : entry,
  );
}

async function startRelays(
  relays: readonly Relay[],
): Promise<Partial<Record<Relay, ChildProcess>>> {
  const warpdRun = async (
    name: string,
    port: number,
    plugins: unknown[],
    extra: Record<string, unknown> = {},
  ) =>
    start(process.execPath, [
      await buildWarpd(),
      'run',
      '-c',
      writeWarpdConfig(name, port, plugins, extra),
    ]);
  const starters: Record<Relay, () => Promise<ChildProcess>> = {
    warpd: () => warpdRun('warpd', WARPD, []),
    'warpd-node-io': () => warpdRun('warpd-node-io', WARPD_NODE_IO, [], { io: 'node' }),
    // warpd's default plugin list (what `warpd run` uses without a `plugins`
    // key) with the database in the temp dir; plugin-sqlite is loaded by the
    // path of its lab bundle instead of its package name (see SQLITE_PLUGIN_BUNDLE).
    'warpd-sqlite': () => warpdRun('warpd-sqlite', WARPD_SQLITE, storingPlugins('warpd-sqlite')),
    'warpd-sqlite-worker': () =>
      warpdRun(
        'warpd-sqlite-worker',
        WARPD_SQLITE_WORKER,
        storingPlugins('warpd-sqlite-worker', { worker: true }),
      ),
    'warpd-observer': () =>
      warpdRun('warpd-observer', WARPD_OBSERVER, [
        { use: join(import.meta.dirname, 'idle-observer.mjs') },
      ]),
    haproxy: async () => startHaproxy('haproxy', HAPROXY, ''),
    // The same relay on one thread (nbthread 1): a relay on one core, as warpd is.
    'haproxy-1t': async () => startHaproxy('haproxy-1t', HAPROXY_1T, 'global\n  nbthread 1\n'),
    'node-pipe': async () =>
      start(process.execPath, [
        join(import.meta.dirname, 'pipe-proxy.mjs'),
        String(NODE_PIPE),
        String(SINK),
      ]),
    'native-pipe': async () =>
      start(process.execPath, [await buildNativePipe(), String(NATIVE_PIPE), String(SINK)]),
  };
  const started: Partial<Record<Relay, ChildProcess>> = {};
  for (const relay of relays) started[relay] = await starters[relay]();
  return started;
}

async function main(): Promise<void> {
  // Its "read timeout" warnings about the idle sessions below are noise here.
  start('smtp-sink', ['-u', 'nobody', `127.0.0.1:${SINK}`, '1024'], 'ignore');
  const relays = ways.filter((way): way is Relay => way !== 'direct');
  const processes = await startRelays(relays);
  await Promise.all([SINK, ...relays.map((relay) => PORTS[relay])].map((port) => waitPort(port)));
  const pids: Partial<Record<Way, number>> = {};
  for (const relay of relays) pids[relay] = processes[relay]?.pid;
  // Warm-up: V8 optimises warpd's hot paths over its first few thousand
  // sessions, and the storing warpd creates its tables. One warpd, rounds of
  // 2000 messages (18:29 on 2026-11-28): 975, 555, then 495, 545, 485 and
  // 485 µs of CPU per message; the figures are for a warpd that has been
  // running, as a daemon is.
  for (const relay of relays) await smtpSource(PORTS[relay], 20, WARM_UP);
  const relayed = Object.fromEntries(
    STORING_WAYS.map((way) => [way, processes[way] ? WARM_UP : 0]),
  ) as Record<StoringWay, number>;
  const isStoring = (way: Way): way is StoringWay => way in DATABASES;

  console.log(`load average before: ${loadAverage()} (2 cores; shared machine)`);
  const results = Object.fromEntries(ALL_WAYS.map((way) => [way, [] as number[]])) as Record<
    Way,
    number[]
  >;
  const cpu = Object.fromEntries(ALL_WAYS.map((way) => [way, 0])) as Record<Way, number>;
  // The relay's thread alone (the event loop), for the storing ways.
  const relayCpu = Object.fromEntries(ALL_WAYS.map((way) => [way, 0])) as Record<Way, number>;
  for (let round = 0; round < rounds; round++) {
    for (const name of ways) {
      const pid = pids[name];
      const cpuBefore = pid ? cpuTimeMs(pid) : 0;
      const relayBefore = pid && isStoring(name) ? mainThreadCpuTimeMs(pid) : 0;
      const rate = await smtpSource(PORTS[name], 20, messages);
      // A store writes what a round left in its buffers before the next
      // round starts: its CPU counts here, not in another way's round.
      if (isStoring(name)) await sleep(STORE_SETTLE_MS);
      if (pid) cpu[name] += cpuTimeMs(pid) - cpuBefore;
      if (pid && isStoring(name)) relayCpu[name] += mainThreadCpuTimeMs(pid) - relayBefore;
      if (isStoring(name)) relayed[name] += messages;
      results[name].push(rate);
    }
  }
  const ran = (name: Way) => results[name].length > 0;
  const direct = ran('direct') ? median(results.direct) : Number.NaN;
  console.log(
    `throughput, 20 sessions, 4 KiB, one connection per message, ${messages} messages x ${rounds} rounds (median msg/s):`,
  );
  for (const name of ways) {
    const m = median(results[name]);
    console.log(
      `  ${name.padEnd(12)} ${m.toFixed(0).padStart(6)} msg/s  ${ran('direct') ? `${(m / direct).toFixed(2)}x direct` : '(direct not run)'}  (rounds: ${results[name].map((v) => v.toFixed(0)).join(', ')})`,
    );
  }
  if (ran('haproxy'))
    console.log(
      `  baseline: haproxy/direct = ${(median(results.haproxy) / direct).toFixed(2)}x; target: warpd >= haproxy`,
    );
  /** `way`'s throughput over warpd's (storage off), median and per round. */
  const overWarpd = (way: Way) =>
    `${way}/warpd = ${(median(results[way]) / median(results.warpd)).toFixed(2)}x (per round: ${results.warpd.map((off, i) => ((results[way][i] ?? 0) / off).toFixed(2)).join(', ')})`;
  for (const storing of STORING_WAYS)
    if (ran('warpd') && ran(storing))
      console.log(`  storage on/off: ${overWarpd(storing)}; target >= 0.9`);
  if (ran('warpd') && ran('warpd-observer'))
    console.log(
      `  events to an idle observer: ${overWarpd('warpd-observer')}; the ceiling of storage on/off`,
    );
  console.log(`load average after the rounds: ${loadAverage()}`);

  const single: Partial<Record<Way, number>> = {};
  for (const name of ways) single[name] = 1000 / (await smtpSource(PORTS[name], 1, 300));
  console.log('single session, per message (connect..QUIT):');
  for (const name of ways) console.log(`  ${name.padEnd(12)} ${single[name]?.toFixed(3)} ms`);
  /** Milliseconds per message `way` adds to direct, one session at a time. */
  const added = (way: Way) => ((single[way] ?? 0) - (single.direct ?? 0)).toFixed(3);
  if (ran('direct') && ran('warpd') && ran('haproxy'))
    console.log(
      `  added by warpd: ${added('warpd')} ms (haproxy: ${added('haproxy')} ms); target <= 1 ms`,
    );
  if (ran('direct') && ran('warpd-node-io'))
    console.log(`  added by warpd with io node: ${added('warpd-node-io')} ms`);
  for (const storing of STORING_WAYS) {
    if (!ran(storing)) continue;
    relayed[storing] += 300;
    if (ran('direct')) console.log(`  added by ${storing}: ${added(storing)} ms`);
  }
  const perMessage = (name: Way) => (cpu[name] / (messages * rounds)).toFixed(3);
  if (ran('warpd')) {
    console.log(
      `warpd CPU: ${perMessage('warpd')} ms per message, user+system (target <= 0.5); baseline haproxy: ${ran('haproxy') ? `${perMessage('haproxy')} ms` : 'not run'}; Node's floor (node-pipe): ${ran('node-pipe') ? `${perMessage('node-pipe')} ms` : 'not run'}; libuv byte path in Node (native-pipe): ${ran('native-pipe') ? `${perMessage('native-pipe')} ms` : 'not run'}`,
    );
    console.log(
      `warpd peak RSS so far: ${statusMiB(pids.warpd as number, 'VmHWM').toFixed(1)} MiB (target <= 80)`,
    );
  }
  if (ran('warpd-node-io'))
    console.log(
      `warpd-node-io CPU: ${perMessage('warpd-node-io')} ms per message, user+system; peak RSS so far ${statusMiB(pids['warpd-node-io'] as number, 'VmHWM').toFixed(1)} MiB`,
    );
  if (ran('haproxy-1t'))
    console.log(
      `haproxy-1t CPU: ${perMessage('haproxy-1t')} ms per message (one thread, as warpd; haproxy's default here is two, one per core)`,
    );
  if (ran('warpd-observer'))
    console.log(
      `warpd-observer CPU: ${perMessage('warpd-observer')} ms per message, user+system (warpd with every event built and handed to a plugin that does nothing)`,
    );
  for (const storing of STORING_WAYS) {
    const child = processes[storing];
    if (!child) continue;
    console.log(
      `${storing} CPU: ${perMessage(storing)} ms per message, user+system, of which the relay's thread ${(relayCpu[storing] / (messages * rounds)).toFixed(3)} ms (each round counted until ${STORE_SETTLE_MS} ms after it ended); peak RSS ${statusMiB(child.pid as number, 'VmHWM').toFixed(1)} MiB`,
    );
    // SIGTERM flushes the store: then every transaction must be in the database.
    await stopChild(child);
    const rows = storedRows(DATABASES[storing]);
    console.log(
      `${storing} stored ${rows.transactions} transactions of ${relayed[storing]} messages relayed (${rows.sessions} sessions incl. the start-up port probe, ${rows.exchanges} exchanges)`,
    );
  }
  if (process.env.WARP_BENCH_WAYS !== undefined) return;
  const pid = pids.warpd as number;

  const idle = await idleSessions(WARPD, pid);
  console.log(
    `500 idle sessions: warpd RSS ${idle.during.toFixed(1)} MiB (before ${idle.before.toFixed(1)} MiB; target <= 100)`,
  );
  const big = await bigMessage(WARPD, pid);
  console.log(
    `50 MB message: ${big.ms.toFixed(0)} ms (EHLO to QUIT); warpd peak RSS ${big.hwm.toFixed(1)} MiB (before ${big.hwmBefore.toFixed(1)}, RSS before ${big.rssBefore.toFixed(1)}; growth ${big.growth.toFixed(1)} MiB of peak; target growth <= 16)`,
  );
}

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => {
    for (const child of children) child.kill('SIGTERM');
  });
