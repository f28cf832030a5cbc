// Test support only (not exported by the package): a throw-away network
// namespace with loopback up, the documentation addresses the tests dial, and
// a way to run the probe fixture inside it.
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { threadId } from 'node:worker_threads';

const PREFIX = 'warp-odst-';
const FIXTURES = new URL('../../test/fixtures/', import.meta.url);
const PACKAGE_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

/** A fixture script in test/fixtures, run with tsx so that it imports the package from source. */
export type Fixture = 'netns-probe' | 'tproxy-probe' | 'connect-probe';

/** A fixture process still running in a namespace, read one JSON line at a time. */
export interface RunningFixture {
  child: ChildProcess;
  lines: AsyncIterator<string>;
}

/** One probe run: a listener and a client inside the namespace. */
export interface ProbePlan {
  listen: { host: string; port: number };
  connect: { host: string; port: number };
  /** Pass the raw fd instead of the net.Socket. */
  passFd?: boolean;
  /** Connect from a child process running as this uid (and gid), for owner-match rules. */
  clientUid?: number;
}

/** What the probe prints: the API's answer on the accepted socket. */
export interface ProbeOutcome {
  ok: boolean;
  destination?: { address: string; port: number; family: number };
  error?: { name: string; code: string; errno?: string; syscall?: string; message: string };
  local?: { address: string; port: number };
  clientError?: string;
}

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

let created = 0;

/** A network namespace named `warp-odst-<pid>-<n>`, deleted by {@link NetnsSandbox.delete}. */
export class NetnsSandbox {
  private constructor(readonly name: string) {}

  /**
   * Throws (never skips) when these tests cannot run here: they need root and
   * `ip netns`, which CI provides.
   */
  static assertUsable(): void {
    if (process.getuid?.() !== 0) {
      throw new Error(
        '[original-dst tests] the network-namespace tests need root (uid 0) to create namespaces ' +
          'and NAT rules; run them as root (CI does). They fail rather than skip.',
      );
    }
    try {
      ip('netns', 'list');
    } catch (cause) {
      throw new Error(
        '[original-dst tests] `ip netns` is unavailable: install iproute2, iptables and nftables ' +
          '(tooling/system-deps does). They fail rather than skip.',
        { cause },
      );
    }
  }

  /** Deletes warp-odst-* namespaces left by runs whose process is gone (never a live run's). */
  static removeStale(): void {
    for (const line of ip('netns', 'list').split('\n')) {
      const name = line.split(' ')[0] ?? '';
      const pid = Number(/^warp-odst-(\d+)-\d+$/.exec(name)?.[1]);
      if (name.startsWith(PREFIX) && pid > 0 && !isRunning(pid)) ip('netns', 'delete', name);
    }
  }

  /** Creates a namespace with `lo` up and `addresses` (CIDR) on it. */
  static create(addresses: readonly string[]): NetnsSandbox {
    created += 1;
    // threadId keeps names unique should vitest run test files in worker threads of one process.
    const sandbox = new NetnsSandbox(`${PREFIX}${process.pid}-${threadId * 1000 + created}`);
    ip('netns', 'add', sandbox.name);
    try {
      ip('-n', sandbox.name, 'link', 'set', 'lo', 'up');
      for (const address of addresses) {
        // nodad: an IPv6 address is usable at once, not after duplicate detection.
        const extra = address.includes(':') ? ['nodad'] : [];
        ip('-n', sandbox.name, 'address', 'add', address, 'dev', 'lo', ...extra);
      }
    } catch (error) {
      sandbox.delete();
      throw error;
    }
    return sandbox;
  }

  /** Runs a command inside the namespace and returns its stdout; throws with its stderr. */
  exec(command: string, args: readonly string[], input?: string): string {
    return execFileSync('ip', ['netns', 'exec', this.name, command, ...args], {
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(input === undefined ? {} : { input }),
    });
  }

  private fixtureArgs(fixture: Fixture, plan: unknown): string[] {
    const script = fileURLToPath(new URL(`${fixture}.mjs`, FIXTURES));
    return [
      'netns',
      'exec',
      this.name,
      process.execPath,
      '--import',
      'tsx',
      '--conditions=source',
    ].concat(script, JSON.stringify(plan));
  }

  /** Runs a fixture to its end in the namespace and parses the JSON line it prints. */
  async run<T>(fixture: Fixture, plan: unknown): Promise<T> {
    const options = { cwd: PACKAGE_ROOT, encoding: 'utf8', timeout: 10_000 } as const;
    const { stdout } = await run('ip', this.fixtureArgs(fixture, plan), options);
    return JSON.parse(stdout.trim()) as T;
  }

  /** Runs the probe fixture: a listener and a client in the namespace. */
  probe(plan: ProbePlan): Promise<ProbeOutcome> {
    return this.run<ProbeOutcome>('netns-probe', plan);
  }

  /** Starts a fixture that keeps running; the caller kills `child` when done. */
  start(fixture: Fixture, plan: unknown): RunningFixture {
    const child = spawn('ip', this.fixtureArgs(fixture, plan), {
      cwd: PACKAGE_ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    return { child, lines };
  }

  /** Deletes every sandbox given, all of them even when one fails, then reports failures. */
  static deleteAll(sandboxes: ReadonlyArray<NetnsSandbox | undefined>): void {
    const failures: unknown[] = [];
    for (const sandbox of sandboxes) {
      try {
        sandbox?.delete();
      } catch (error) {
        failures.push(error);
      }
    }
    if (failures.length > 0) throw new AggregateError(failures, 'cannot delete test namespaces');
  }

  /** Deletes the namespace (and with it its addresses and NAT rules). */
  delete(): void {
    try {
      ip('netns', 'delete', this.name);
    } catch (error) {
      if (!ip('netns', 'list').includes(this.name)) return;
      throw error;
    }
  }
}
