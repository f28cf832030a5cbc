/**
 * The local MariaDB for tests: databases of their own, and stop/start for
 * outage tests. It must answer on 127.0.0.1:3306 as root without password;
 * when it does not, these helpers throw (tests fail loudly, never skip).
 * Uses the `mariadb`, `mariadb-admin` and `start-stop-daemon` commands.
 */
import { execFileSync } from 'node:child_process';

let counter = 0;

/** Create `warp_test_<pid>_<n>` and return its name; throws when MariaDB does not answer. */
export function createTestDatabase(): string {
  const name = `warp_test_${process.pid}_${counter++}`;
  mariadb(`create database ${name} character set utf8mb4 collate utf8mb4_unicode_ci`);
  return name;
}

/** Drop a database made by {@link createTestDatabase}. */
export function dropTestDatabase(name: string): void {
  mariadb(`drop database if exists ${name}`);
}

/** Run one statement with the `mariadb` client (root over TCP). */
export function mariadb(statement: string): string {
  try {
    return execFileSync(
      'mariadb',
      ['-h', '127.0.0.1', '-P', '3306', '-u', 'root', '-N', '-e', statement],
      {
        encoding: 'utf8',
      },
    );
  } catch (cause) {
    throw new Error(
      `MariaDB on 127.0.0.1:3306 did not run "${statement}": start it (see /work/shared/TOOLCHAIN.md) — this test needs a real MariaDB`,
      { cause },
    );
  }
}

/** Stop the local MariaDB (for the outage test). */
export function stopMariadb(): void {
  execFileSync('mariadb-admin', ['shutdown']);
}

/** Start the local MariaDB and wait until it answers. */
export async function startMariadb(): Promise<void> {
  execFileSync('start-stop-daemon', [
    '--start',
    '--oknodo',
    '--background',
    '--chuid',
    'mysql:mysql',
    '--pidfile',
    '/run/mysqld/mysqld.pid',
    '--exec',
    '/usr/sbin/mariadbd',
    '--',
    '--pid-file=/run/mysqld/mysqld.pid',
  ]);
  for (let i = 0; i < 300; i++) {
    try {
      execFileSync('mariadb-admin', ['ping'], { stdio: 'ignore' });
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error('MariaDB did not answer 30 s after start');
}
