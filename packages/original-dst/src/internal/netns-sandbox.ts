// Test support only (not exported by the package): a throw-away network
// namespace with loopback up, the documentation addresses the tests dial, and
// a way to run the probe fixture inside it.
import { execFile, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const PREFIX = 'warp-odst-';
const PROBE = fileURLToPath(new URL('../../test/fixtures/netns-probe.mjs', import.meta.url));
const PACKAGE_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

/** One probe run: a listener and a client inside the namespace. */
export interface ProbePlan {
  listen: { host: string; port: number };
  connect: { host: string; port: number };
  /** Pass the raw fd instead of the net.Socket. */
  passFd?: boolean;
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
    const sandbox = new NetnsSandbox(`${PREFIX}${process.pid}-${created}`);
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

  /** Runs the probe fixture in the namespace (tsx loads the package from source). */
  async probe(plan: ProbePlan): Promise<ProbeOutcome> {
    const args = ['netns', 'exec', this.name, process.execPath, '--import', 'tsx'];
    const { stdout } = await run(
      'ip',
      [...args, '--conditions=source', PROBE, JSON.stringify(plan)],
      { cwd: PACKAGE_ROOT, encoding: 'utf8', timeout: 10_000 },
    );
    return JSON.parse(stdout.trim()) as ProbeOutcome;
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
