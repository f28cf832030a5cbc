import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A MariaDB server of a test's own (own data directory and port), to crash and restart. */
export interface PrivateMariadb {
  /** Its TCP port on 127.0.0.1 (root, no password). */
  readonly port: number;
  /** Start (or restart) it and wait until it answers. */
  start(): Promise<void>;
  /** Stop it: `SIGKILL` is a crash (InnoDB recovers at the next start), `SIGTERM` a clean shutdown. */
  stop(signal?: 'SIGKILL' | 'SIGTERM'): Promise<void>;
  /** Stop it and delete its data directory. */
  destroy(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * Create a throw-away MariaDB (`mariadb-install-db` + `mariadbd` from the
 * system packages), so an outage test stops nobody else's server. Throws when
 * the binaries are missing: the test fails loudly.
 */
export async function createPrivateMariadb(): Promise<PrivateMariadb> {
  const dir = mkdtempSync(join(tmpdir(), 'warp-mariadb-'));
  const port = await freePort();
  execFileSync(
    'mariadb-install-db',
    [
      '--no-defaults',
      `--datadir=${dir}/data`,
      '--user=root',
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
    ],
    { stdio: 'ignore' },
  );
  let server: ChildProcess | undefined;
  const ping = () => {
    try {
      execFileSync('mariadb-admin', ['-h', '127.0.0.1', '-P', String(port), '-u', 'root', 'ping'], {
        stdio: 'ignore',
      });
      return true;
    } catch {
      return false;
    }
  };
  const stop = async (signal: 'SIGKILL' | 'SIGTERM' = 'SIGTERM') => {
    const running = server;
    server = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill(signal);
    await exited;
  };
  return {
    port,
    async start() {
      if (server) return;
      server = spawn(
        'mariadbd',
        [
          '--no-defaults',
          `--datadir=${dir}/data`,
          `--port=${port}`,
          '--bind-address=127.0.0.1',
          `--socket=${dir}/mysqld.sock`,
          `--pid-file=${dir}/mysqld.pid`,
          '--user=root',
          '--innodb-buffer-pool-size=64M',
        ],
        { stdio: 'ignore' },
      );
      for (let i = 0; i < 300; i++) {
        if (ping()) return;
        if (server.exitCode !== null) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`private MariaDB on port ${port} did not start (data in ${dir})`);
    },
    stop,
    async destroy() {
      await stop('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
