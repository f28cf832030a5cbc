/**
 * The local MariaDB for tests: each suite gets databases of its own (
 * outage tests use `createPrivateMariadb`). It must answer on 127.0.0.1:3306
 * as root without password; when it does not, these helpers throw (tests
 * fail loudly, never skip). Uses the `mariadb` client command.
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

/** Run one statement with the `mariadb` client (root over TCP), returning its tab-separated output. */
export function mariadb(statement: string, port = 3306): string {
  try {
    return execFileSync(
      'mariadb',
      ['-h', '127.0.0.1', '-P', String(port), '-u', 'root', '-N', '-e', statement],
      {
        encoding: 'utf8',
      },
    );
  } catch (cause) {
    throw new Error(
      `MariaDB on 127.0.0.1:${port} did not run "${statement}": start it (see /work/shared/TOOLCHAIN.md) — this test needs a real MariaDB`,
      { cause },
    );
  }
}
