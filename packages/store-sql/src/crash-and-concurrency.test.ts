import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { STORE_MIGRATIONS } from './migrations';
import { createTestDatabase, dropTestDatabase, mariadb } from './testing/mariadb';
import { sessionEvents } from './testing/session-events';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const script = fileURLToPath(new URL('./__fixtures__/writer-process.ts', import.meta.url));

function writerProcess(job: object): {
  child: ChildProcess;
  written: Promise<void>;
  exited: Promise<number | null>;
} {
  // node itself with tsx's loader, not the tsx CLI: the CLI runs the script in
  // a child process, so a SIGKILL would kill only the wrapper and leave the
  // writer running (no crash at all, and an orphan writing forever).
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=source', script, JSON.stringify(job)],
    { cwd: packageDir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const written = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => chunk.includes('written') && resolve());
    exited.then((code) => reject(new Error(`writer exited (${code}) before writing: ${stderr}`)));
  });
  written.catch(() => {});
  return { child, written, exited };
}

/** Counts a stream prefix of `events` events puts in each table (sessions with 1 recipient). */
function prefixCounts(total: number) {
  const counts = { opened: 0, closed: 0, exchanges: 0, tls: 0, transactions: 0 };
  let left = total;
  for (let i = 0; left > 0; i++) {
    for (const event of sessionEvents({ sessionId: `s-${i}` })) {
      if (left-- === 0) break;
      if (event.type === 'session.opened') counts.opened++;
      else if (event.type === 'session.closed') counts.closed++;
      else if (event.type === 'reply.received') counts.exchanges++;
      else if (event.type === 'tls.upgraded') counts.tls++;
      else if (event.type === 'transaction.completed') counts.transactions++;
    }
  }
  return counts;
}

describe('store writer processes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'warp-crash-'));
  const databases: string[] = [];
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    for (const database of databases) dropTestDatabase(database);
  });

  it('leaves SQLite consistent when killed mid-batch: whole batches, in order, nothing else', async () => {
    const path = join(dir, 'crash.db');
    const writer = writerProcess({
      sqlitePath: path,
      nodeId: 'node-a',
      sessions: 0,
      batchSize: 5000,
    });
    await writer.written;
    // Let several batches commit (a reader beside the writer: WAL), then kill while it writes the next.
    const reader = new Database(path, { readonly: true });
    const batches = () =>
      (reader.prepare('select count(*) n from warp_batches').get() as { n: number }).n;
    while (batches() < 3) await new Promise((resolve) => setTimeout(resolve, 20));
    reader.close();
    writer.child.kill('SIGKILL');
    expect(await writer.exited).toBe(null);

    const db = new Database(path);
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const one = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
      const stored = {
        opened: one('select count(*) n from sessions where opened_us is not null'),
        closed: one('select count(*) n from sessions where closed_us is not null'),
        exchanges: one('select count(*) n from exchanges'),
        tls: one('select count(*) n from tls_results'),
        transactions: one('select count(*) n from transactions'),
      };
      const total = Object.values(stored).reduce((a, b) => a + b, 0);
      expect(total).toBeGreaterThan(0);
      // Exactly the first `total` events of the stream: no torn batch, no gap.
      expect(stored).toEqual(prefixCounts(total));
      expect(one('select count(*) n from warp_batches')).toBeGreaterThan(0);
    } finally {
      db.close();
    }
    // The file opens for writing again (no stale lock), and a new writer goes on.
    const again = writerProcess({
      sqlitePath: path,
      nodeId: 'node-b',
      sessions: 10,
      batchSize: 100,
    });
    expect(await again.exited).toBe(0);
  });

  it('lets two nodes migrate and write one MariaDB database at the same time', async () => {
    const database = createTestDatabase();
    databases.push(database);
    const job = { mysqlDatabase: database, sessions: 400, batchSize: 500 };
    const writers = [
      writerProcess({ ...job, nodeId: 'node-1' }),
      writerProcess({ ...job, nodeId: 'node-2' }),
    ];
    expect(await Promise.all(writers.map((w) => w.exited))).toEqual([0, 0]);
    const rows = mariadb(
      `select node_id, count(*), sum(closed_us is not null) from ${database}.sessions group by node_id order by node_id;` +
        `select node_id, count(*) from ${database}.exchanges group by node_id order by node_id;` +
        `select count(*) from ${database}.warp_migrations`,
    );
    expect(rows.trim().split('\n')).toEqual([
      'node-1\t400\t400',
      'node-2\t400\t400',
      'node-1\t3600',
      'node-2\t3600',
      // Each migration ran once, whichever node took the lock.
      String(Object.keys(STORE_MIGRATIONS).length),
    ]);
  });
});
