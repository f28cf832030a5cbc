import { type ChildProcess, spawn } from 'node:child_process';
import {
  createWriteStream,
  existsSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, runIn } from './run-command';

const REPO = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const WARPD_DIR = join(REPO, 'apps/warpd');
/** The lab's warpd build: warpd with the workspace packages bundled from source. */
export const WARPD_BUNDLE = join(WARPD_DIR, 'dist/warpd-lab.js');
/**
 * warpd's default store, `@warp/plugin-sqlite`, bundled from source the same
 * way. warpd imports plugins at run time by name, which would resolve to
 * the package's dist (not built in the lab); a plugin entry with this path
 * loads the same code: `{ use: SQLITE_PLUGIN_BUNDLE, options: { path } }`.
 */
export const SQLITE_PLUGIN_BUNDLE = join(WARPD_DIR, 'dist/plugin-sqlite-lab.js');
/** The entry of plugin worker threads, where the bundled @warp/hooks looks for it. */
const PLUGIN_WORKER_BUNDLE = join(WARPD_DIR, 'dist/plugin-worker.js');
const BUNDLES = {
  'warpd-lab': WARPD_BUNDLE,
  'plugin-sqlite-lab': SQLITE_PLUGIN_BUNDLE,
  'plugin-worker': PLUGIN_WORKER_BUNDLE,
};

function newest(dir: string): number {
  return Math.max(
    0,
    ...readdirSync(dir, { withFileTypes: true }).map((entry) => {
      const path = join(dir, entry.name);
      return entry.isDirectory() ? newest(path) : statSync(path).mtimeMs;
    }),
  );
}

/** Whether a package's dist is missing or older than its src. */
function isStale(packageDir: string): boolean {
  const built = join(packageDir, 'dist/index.js');
  return !existsSync(built) || statSync(built).mtimeMs < newest(join(packageDir, 'src'));
}

/**
 * Builds warpd for the lab: `@warp/*` sources bundled with the typia
 * transform (no per-package build needed), except the native
 * `@warp/original-dst` and `@warp/native-io`, each built with its own script
 * when its dist is missing or older than its sources.
 * Output sits in apps/warpd/dist so pino and the addons resolve from there;
 * {@link SQLITE_PLUGIN_BUNDLE} is built alongside.
 */
export async function buildWarpd(): Promise<string> {
  for (const name of ['original-dst', 'native-io']) {
    if (isStale(join(REPO, 'packages', name))) {
      await run('pnpm', ['--dir', REPO, '--filter', `@warp/${name}`, 'build'], {
        timeoutMs: 300_000,
      });
    }
  }
  const sources = [
    join(WARPD_DIR, 'src'),
    ...readdirSync(join(REPO, 'packages')).map((name) => join(REPO, 'packages', name, 'src')),
  ];
  const newestSource = Math.max(...sources.filter((dir) => existsSync(dir)).map(newest));
  const fresh = Object.values(BUNDLES).every(
    (bundle) => existsSync(bundle) && statSync(bundle).mtimeMs > newestSource,
  );
  if (fresh) return WARPD_BUNDLE;
  // Several test runs may build at once: build aside, then rename (atomic).
  const aside = join(WARPD_DIR, 'dist', `lab-build-${process.pid}`);
  const { build } = await import('tsup');
  const { default: typia } = await import('@typia/unplugin/esbuild');
  await build({
    entry: {
      'warpd-lab': join(WARPD_DIR, 'src/cli.ts'),
      'plugin-sqlite-lab': join(REPO, 'packages/plugin-sqlite/src/index.ts'),
      'plugin-worker': join(REPO, 'packages/hooks/src/internal/plugin-worker.ts'),
    },
    outDir: aside,
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    dts: false,
    clean: false,
    silent: true,
    splitting: false,
    outExtension: () => ({ js: '.js' }),
    tsconfig: join(REPO, 'tsconfig.base.json'),
    noExternal: [/^@warp\/(?!original-dst|native-io)/],
    // better-sqlite3 is native; it resolves from apps/warpd/node_modules.
    external: ['@warp/original-dst', '@warp/native-io', 'pino', 'typia', 'better-sqlite3'],
    esbuildPlugins: [typia()],
    esbuildOptions(options) {
      options.conditions = ['source', 'module', 'node'];
    },
  });
  for (const [name, bundle] of Object.entries(BUNDLES))
    renameSync(join(aside, `${name}.js`), bundle);
  rmSync(aside, { recursive: true, force: true });
  return WARPD_BUNDLE;
}

/** Applies the iptables and ip6tables lines `warpd rules` prints for `configPath` inside `ns`. */
export async function applyRules(ns: string, configPath: string): Promise<void> {
  const rules = (await run(process.execPath, [WARPD_BUNDLE, 'rules', '-c', configPath])).stdout;
  for (const line of rules.split('\n').filter((l) => /^ip6?tables /.test(l))) {
    const [file, ...args] = line.split(' ');
    await runIn(ns, file as string, args);
  }
}

/** A warpd started inside a namespace. */
export interface WarpdProcess {
  child: ChildProcess;
  logPath: string;
  /** Parsed JSON log lines so far. */
  logs(): Array<Record<string, unknown>>;
  /** The relay events of `type` (e.g. `tls.upgraded`) logged so far (log level debug). */
  events(type: string): Array<Record<string, unknown>>;
  /** SIGTERM, then wait for the exit (SIGKILL after `graceMs` more). */
  stop(graceMs?: number): Promise<number | null>;
  /** SIGKILL now (a crash). */
  kill(): Promise<void>;
}

/** Writes `config` to `dir/warpd.json`, applies `warpd rules` (iptables) in `ns` once, and starts warpd there. */
export async function startWarpd(
  ns: string,
  dir: string,
  config: Record<string, unknown>,
  options: { applyRules?: boolean } = {},
): Promise<WarpdProcess> {
  const configPath = join(dir, 'warpd.json');
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  if (options.applyRules ?? true) await applyRules(ns, configPath);
  const logPath = join(dir, `warpd-${Date.now()}.log`);
  const log = createWriteStream(logPath);
  const child = spawn(
    'ip',
    ['netns', 'exec', ns, process.execPath, WARPD_BUNDLE, 'run', '-c', configPath],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const logs = () =>
    existsSync(logPath)
      ? readFileSync(logPath, 'utf8')
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as Record<string, unknown>)
      : [];
  const deadline = Date.now() + 20_000;
  while (!logs().some((l) => l.msg === 'warpd listening')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      throw new Error(
        `[warp] [lab] warpd did not start: ${existsSync(logPath) ? readFileSync(logPath, 'utf8') : '(no log)'}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  // The io the suite means to test is the one warpd runs: a missing addon
  // under "auto" would fall back to Node's sockets, quietly testing those.
  const wantedIo = config.io === 'node' ? 'node' : 'native';
  const listening = logs().find((l) => l.msg === 'warpd listening');
  if (listening?.io !== wantedIo) {
    child.kill('SIGKILL');
    throw new Error(
      `[warp] [lab] warpd runs with io ${String(listening?.io)}, the lab expected ${wantedIo}: ${readFileSync(logPath, 'utf8')}`,
    );
  }
  return {
    child,
    logPath,
    logs,
    events: (type) =>
      logs()
        .map((l) => l.event as Record<string, unknown> | undefined)
        .filter((event): event is Record<string, unknown> => event?.type === type),
    stop: async (graceMs = 10_000) => {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs + 5_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
    kill: async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** The rows of `sql` on a SQLite store warpd wrote (read it after warpd stopped). */
export function queryStore(path: string, sql: string): Array<Record<string, unknown>> {
  // better-sqlite3 is a dependency of warpd, not of tooling: resolve it from there.
  const require = createRequire(join(dirname(WARPD_BUNDLE), '..', 'package.json'));
  const Database = require('better-sqlite3') as new (
    file: string,
    options: { readonly: boolean },
  ) => { prepare(sql: string): { all(): Array<Record<string, unknown>> }; close(): void };
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare(sql).all();
  } finally {
    db.close();
  }
}
