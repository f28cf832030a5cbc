// Relay throughput with plugin-file on vs off (issue target: >= 0.9x).
// Postfix's smtp-source (20 parallel sessions, 4 KiB messages, one connection
// per message) -> warpd -> smtp-sink, on loopback, in interleaved rounds:
// direct to the sink (the baseline), warpd without plugins, and warpd with
// plugin-file writing every event to a file. Uses the lab's warpd build.
//
// Run: pnpm --filter @warp/plugin-file bench [rounds] [messages]
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../../../tooling/lab/src/lab';
import { run } from '../../../tooling/lab/src/run-command';
import { buildWarpd } from '../../../tooling/lab/src/warpd-process';

const rounds = Number(process.argv[2] ?? 5);
const messages = Number(process.argv[3] ?? 2000);
const [SINK, PLAIN, WITH_FILE] = [11125, 11126, 11127];
const dir = mkdtempSync(join(tmpdir(), 'warp-file-bench-'));
const children: ChildProcess[] = [];

const start = (file: string, args: string[]) =>
  children.push(spawn(file, args, { stdio: ['ignore', 'ignore', 'inherit'] }));

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

async function source(port: number, count: number): Promise<number> {
  const started = performance.now();
  // Same workload as tooling/lab/bench/relay-throughput.ts, so figures compare.
  const workload = '-s 20 -l 4096 -f bench@example.org -t sink@example.net'.split(' ');
  const args = [...workload, '-m', String(count), `127.0.0.1:${port}`];
  await run('smtp-source', args, { timeoutMs: 600_000 });
  return (count * 1000) / (performance.now() - started);
}

/** plugin-file bundled from source (with typia), so warpd can load it by path. */
async function bundlePlugin(): Promise<string> {
  const { build } = await import('tsup');
  const { default: typia } = await import('@typia/unplugin/esbuild');
  await build({
    entry: { 'plugin-file': fileURLToPath(new URL('../src/index.ts', import.meta.url)) },
    outDir: dir,
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    dts: false,
    silent: true,
    noExternal: [/.*/],
    esbuildPlugins: [typia()],
    esbuildOptions(options) {
      options.conditions = ['source', 'module', 'node'];
    },
  });
  return join(dir, 'plugin-file.js');
}

function startWarpd(bundle: string, port: number, plugins: unknown[]): void {
  const config = join(dir, `warpd-${port}.json`);
  const settings = {
    listen: [`127.0.0.1:${port}`],
    fixedDestination: `127.0.0.1:${SINK}`,
    log: { level: 'warn' },
    maxSessions: 2000,
    plugins,
  };
  writeFileSync(config, JSON.stringify(settings));
  start(process.execPath, [bundle, 'run', '-c', config]);
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

async function main(): Promise<void> {
  const [warpd, plugin] = await Promise.all([buildWarpd(), bundlePlugin()]);
  const eventsFile = join(dir, 'events.jsonl');
  start('smtp-sink', ['-u', 'nobody', '-c', `127.0.0.1:${SINK}`, '1024']);
  startWarpd(warpd, PLAIN, []);
  startWarpd(warpd, WITH_FILE, [{ use: plugin, options: { path: eventsFile } }]);
  await Promise.all(
    [SINK, PLAIN, WITH_FILE].map((port) =>
      waitFor(`127.0.0.1:${port}`, () => accepts(port), 20_000),
    ),
  );
  await source(PLAIN, 200); // warm-up (JIT)
  await source(WITH_FILE, 200);
  const results: Record<'direct' | 'warpd' | 'warpd+file', number[]> = {
    direct: [],
    warpd: [],
    'warpd+file': [],
  };
  for (let round = 0; round < rounds; round++) {
    results.direct.push(await source(SINK, messages));
    results.warpd.push(await source(PLAIN, messages));
    results['warpd+file'].push(await source(WITH_FILE, messages));
  }
  const lines = readFileSync(eventsFile, 'utf8').split('\n').length - 1;
  console.log(
    `relay throughput, 20 sessions, 4 KiB, one connection per message, ${messages} messages x ${rounds} rounds (median msg/s):`,
  );
  const direct = median(results.direct);
  for (const [name, values] of Object.entries(results)) {
    const m = median(values);
    console.log(
      `  ${name.padEnd(10)} ${m.toFixed(0).padStart(6)} msg/s  ${(m / direct).toFixed(2)}x direct  (rounds: ${values.map((v) => v.toFixed(0)).join(', ')})`,
    );
  }
  const ratio = median(results['warpd+file']) / median(results.warpd);
  console.log(
    `  plugin-file on / off: ${ratio.toFixed(2)}x (target >= 0.90); ${lines} event lines written`,
  );
}

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => {
    for (const child of children) child.kill('SIGTERM');
    setTimeout(() => rmSync(dir, { recursive: true, force: true }), 500);
  });
