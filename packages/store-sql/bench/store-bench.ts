// Sustained write rate of the store (SQLite and MariaDB) with the relay's
// event mix, and provider-summary latency over 1 million stored exchanges,
// each printed next to a raw-driver baseline run in the same process.
// Run: pnpm --filter @warp/store-sql bench   (MariaDB on 127.0.0.1:3306 required)
// BENCH_FEED=all-at-once queues every event before the writer starts (a
// backlog drained at once) instead of feeding it batch by batch.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WarpEvent } from '@warp/hooks';
import Database from 'better-sqlite3';
import type { Kysely } from 'kysely';
import { createPool } from 'mysql2';
import { BatchWriter } from '../src/batch-writer';
import { eventRows } from '../src/internal/event-rows';
import { SessionMemo } from '../src/internal/session-memo';
import { mariadbOptions, openMysql, openSqlite } from '../src/internal/test-databases';
import { writeBatch } from '../src/internal/write-batch';
import { migrateToLatest } from '../src/migrations';
import { createPrivacyFilter } from '../src/privacy';
import type { StoreDatabase } from '../src/schema';
import { providerSummary } from '../src/summary';
import { createTestDatabase, dropTestDatabase } from '../src/testing/mariadb';
import { mixSession, T0 } from './event-mix';

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

const session = (i: number): WarpEvent[] => mixSession(i);

function stream(sessions: number): WarpEvent[] {
  return Array.from({ length: sessions }, (_, i) => session(i)).flat();
}

/** CPU seconds the local MariaDB server has used so far (0 when it cannot be read: not Linux, not local). */
function serverCpuSeconds(): number {
  try {
    const pid = execFileSync('pidof', ['mariadbd', 'mysqld'], { encoding: 'utf8' })
      .trim()
      .split(' ')[0];
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** Events/s of the writer, and CPU µs per event of this process and of the MariaDB server meanwhile. */
async function writerRun(
  db: Kysely<StoreDatabase>,
  events: WarpEvent[],
): Promise<{ rate: number; nodeUs: number; serverUs: number }> {
  const cpu = process.cpuUsage();
  const server = serverCpuSeconds();
  const rate = await writerRate(db, events);
  const used = process.cpuUsage(cpu);
  return {
    rate,
    nodeUs: (used.user + used.system) / events.length,
    serverUs: ((serverCpuSeconds() - server) * 1e6) / events.length,
  };
}

async function writerRate(db: Kysely<StoreDatabase>, events: WarpEvent[]): Promise<number> {
  const privacy = createPrivacyFilter();
  const writer = new BatchWriter(db, { nodeId: 'bench', maxPendingEvents: 10_000_000 });
  writer.start();
  const start = performance.now();
  // The bus hands batches of a few hundred events, between which the event
  // loop turns (a relay's sockets, the writer's batches).
  for (let i = 0; i < events.length; i += 500) {
    writer.add(events.slice(i, i + 500).map(privacy));
    if (process.env.BENCH_FEED !== 'all-at-once') await new Promise(setImmediate);
  }
  await writer.flush();
  const seconds = (performance.now() - start) / 1000;
  await writer.close();
  return events.length / seconds;
}

function exchangeTuples(events: WarpEvent[]): unknown[][] {
  const rows = eventRows(events, new SessionMemo()).exchanges;
  return rows.map((r) => [
    r.node_id,
    r.session_id,
    r.at_us,
    r.mono_ms,
    r.txn_no,
    r.verb,
    r.command,
    r.reply_code,
    r.reply_text,
    r.latency_ms,
  ]);
}

function sqliteBaseline(path: string, tuples: unknown[][]): number {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.exec(
    'create table raw (node_id text, session_id text, at_us integer, mono_ms real, txn_no integer, verb text, command text, reply_code integer, reply_text text, latency_ms real)',
  );
  const insert = db.prepare('insert into raw values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const start = performance.now();
  db.transaction(() => {
    for (const t of tuples) insert.run(...t);
  })();
  const rate = tuples.length / ((performance.now() - start) / 1000);
  db.close();
  return rate;
}

async function mysqlBaseline(database: string, tuples: unknown[][]): Promise<number> {
  const pool = createPool(mariadbOptions(database)).promise();
  await pool.query(
    'create table raw (node_id varchar(64), session_id varchar(64), at_us bigint, mono_ms double, txn_no int, verb varchar(16), command text, reply_code int, reply_text text, latency_ms double) default charset=utf8mb4',
  );
  const connection = await pool.getConnection();
  const start = performance.now();
  await connection.beginTransaction();
  for (let i = 0; i < tuples.length; i += 500)
    await connection.query('insert into raw values ?', [tuples.slice(i, i + 500)]);
  await connection.commit();
  const rate = tuples.length / ((performance.now() - start) / 1000);
  connection.release();
  await pool.end();
  return rate;
}

async function fillExchanges(db: Kysely<StoreDatabase>, target: number): Promise<number> {
  const memo = new SessionMemo();
  let stored = 0;
  for (let i = 0, batch = 0; stored < target; batch++) {
    const events: WarpEvent[] = [];
    for (let k = 0; k < 1000; k++) events.push(...session(i++));
    const rows = eventRows(events, memo);
    stored += rows.exchanges.length;
    await writeBatch(db, { id: `fill-${batch}`, nodeId: 'bench', rows });
  }
  return stored;
}

/** How loaded the machine is: a fixed CPU loop, timed (compare runs by this, not by wall clock alone). */
function calibrate(): number {
  const start = performance.now();
  let x = 0;
  for (let i = 0; i < 1e7; i++) x += i % 7;
  if (x < 0) console.log(x);
  return performance.now() - start;
}

async function timed(
  run: () => Promise<unknown>,
  times = 5,
): Promise<{ median: number; max: number }> {
  const runs: number[] = [];
  for (let i = 0; i < times; i++) {
    const start = performance.now();
    await run();
    runs.push(performance.now() - start);
  }
  runs.sort((a, b) => a - b);
  return { median: runs[Math.floor(runs.length / 2)] ?? 0, max: runs.at(-1) ?? 0 };
}

const dir = mkdtempSync(join(tmpdir(), 'warp-store-bench-'));
const database = createTestDatabase();
try {
  const events = stream(Number(process.env.BENCH_SESSIONS ?? 16_000));
  const tuples = exchangeTuples(events);
  const sessions = Number(process.env.BENCH_SESSIONS ?? 16_000);
  const load = loadavg()[0]?.toFixed(1);
  console.log(
    `event mix: ${fmt(events.length)} events, ${(events.length / sessions).toFixed(1)} per session; load ${load} on ${cpus().length} cores`,
  );
  console.log(
    `calibration: a 10M-iteration loop takes ${calibrate().toFixed(0)} ms (about 15 ms on an idle core)`,
  );

  const sqlite = openSqlite(join(dir, 'write.db'));
  await migrateToLatest(sqlite as Kysely<unknown>);
  const sqliteRate = await writerRate(sqlite, events);
  await sqlite.destroy();
  const sqliteRaw = sqliteBaseline(join(dir, 'raw.db'), tuples);
  console.log(`SQLite   store writer: ${fmt(sqliteRate)} events/s (target >= 50,000)`);
  console.log(
    `         baseline raw better-sqlite3 prepared inserts, one table, one transaction: ${fmt(sqliteRaw)} rows/s`,
  );

  const mysql = openMysql(database);
  await migrateToLatest(mysql as Kysely<unknown>);
  const mysqlEvents = events.slice(0, 120_000);
  const mysqlRun = await writerRun(mysql, mysqlEvents);
  await mysql.destroy();
  const rawServer = serverCpuSeconds();
  const mysqlRaw = await mysqlBaseline(database, tuples.slice(0, 90_000));
  const rawServerUs = ((serverCpuSeconds() - rawServer) * 1e6) / 90_000;
  console.log(
    `MariaDB  store writer: ${fmt(mysqlRun.rate)} events/s (target >= 20,000); CPU per event: node ${mysqlRun.nodeUs.toFixed(1)} µs, MariaDB server ${mysqlRun.serverUs.toFixed(1)} µs`,
  );
  console.log(
    `         baseline raw mysql2 500-row INSERTs, one table, one transaction: ${fmt(mysqlRaw)} rows/s; MariaDB server ${rawServerUs.toFixed(1)} µs CPU per row`,
  );

  const big = openSqlite(join(dir, 'summary.db'));
  await migrateToLatest(big as Kysely<unknown>);
  const fillStart = performance.now();
  const stored = await fillExchanges(big, 1_000_000);
  console.log(
    `SQLite   filled ${fmt(stored)} exchanges in ${((performance.now() - fillStart) / 1000).toFixed(1)} s`,
  );
  const all = await timed(() => providerSummary(big));
  const lastHour = await timed(() =>
    providerSummary(big, { since: T0 + 5 * 100_000, until: T0 + 5 * 100_000 + 3_600_000 }),
  );
  const oneProvider = await timed(() => providerSummary(big, { key: 'provider3.test' }));
  const baseline = await timed(() =>
    big
      .selectFrom('exchanges')
      .select((eb) => [
        'dest_domain',
        'verb',
        eb.fn.countAll().as('n'),
        eb.fn.avg('latency_ms').as('avg'),
      ])
      .groupBy(['dest_domain', 'verb'])
      .execute(),
  );
  console.log(
    `SQLite   provider summary over all ${fmt(stored)} exchanges: median ${all.median.toFixed(1)} ms, max ${all.max.toFixed(1)} ms (target < 200 ms)`,
  );
  console.log(
    `         one hour window: median ${lastHour.median.toFixed(1)} ms; one provider: median ${oneProvider.median.toFixed(1)} ms`,
  );
  console.log(
    `         baseline plain GROUP BY domain, verb with count/avg (no percentiles): median ${baseline.median.toFixed(1)} ms`,
  );
  await big.destroy();
} finally {
  dropTestDatabase(database);
  rmSync(dir, { recursive: true, force: true });
}
