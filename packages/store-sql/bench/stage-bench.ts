// CPU per event of each stage of the SQLite store path (privacy filter, row
// building, SQLite write), with the events in the relay's order (concurrent
// sessions interleaved, time-ordered session ids) and batches of a fixed size,
// the way a flush interval cuts them at a given event rate. Compare variants
// by CPU µs per event (process.cpuUsage), which the machine's load moves less
// than events/s.
// Run: pnpm --filter @warp/store-sql bench:stages
// Environment: BENCH_MIX=lab|store (default store), BENCH_BATCH (events per
// batch, default 2000), BENCH_SESSIONS (16000), BENCH_CONCURRENT (20),
// BENCH_ROUNDS (3), BENCH_PRAGMAS ('wal_autocheckpoint=10000;...').
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WarpEvent } from '@warp/hooks';
import type { Kysely } from 'kysely';
import { eventRows } from '../src/internal/event-rows';
import { SessionMemo } from '../src/internal/session-memo';
import { sqliteDatabaseOf, writeSqliteBatch } from '../src/internal/sqlite-batch';
import { openSqlite } from '../src/internal/test-databases';
import { migrateToLatest } from '../src/migrations';
import { createPrivacyFilter } from '../src/privacy';
import { type Mix, mixSession } from './event-mix';

// BENCH_MIX=lab: what the relay lab bench sends (smtp-source: one domain, one
// recipient, no STARTTLS); otherwise the store bench's mix (20 domains, 1-3 recipients, TLS).
const MIX: Mix = process.env.BENCH_MIX === 'lab' ? 'lab' : 'store';

const cpuUs = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return used.user + used.system;
};

const sessions = Number(process.env.BENCH_SESSIONS ?? 16_000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
/**
 * The relay's order: `BENCH_CONCURRENT` sessions at a time, their events
 * interleaved round-robin, session ids in time order (the relay's UUIDv7).
 */
function interleaved(count: number, concurrent: number): WarpEvent[] {
  const scripts = Array.from({ length: count }, (_, i) =>
    mixSession(i, MIX, `0190${i.toString(16).padStart(8, '0')}-7000-8000-000000000000`),
  );
  const out: WarpEvent[] = [];
  for (let start = 0; start < count; start += concurrent) {
    const group = scripts.slice(start, start + concurrent);
    for (let k = 0; group.some((g) => k < g.length); k++)
      for (const g of group) if (k < g.length) out.push(g[k] as WarpEvent);
  }
  return out;
}
const concurrent = Number(process.env.BENCH_CONCURRENT ?? 20);
const events = interleaved(sessions, concurrent);
const BATCH = Number(process.env.BENCH_BATCH ?? 2000);
const dir = mkdtempSync(join(tmpdir(), 'warp-stage-bench-'));
try {
  const results: Record<string, number[]> = {
    privacy: [],
    rows: [],
    write: [],
    total: [],
    'write (wall)': [],
  };
  for (let round = 0; round < rounds; round++) {
    const db = openSqlite(join(dir, `r${round}.db`));
    await migrateToLatest(db as Kysely<unknown>);
    const database = sqliteDatabaseOf(db);
    if (database === undefined) throw new Error('not a registered SQLite store');
    // Extra pragmas to try, `;`-separated: BENCH_PRAGMAS='wal_autocheckpoint=10000'.
    for (const pragma of (process.env.BENCH_PRAGMAS ?? '').split(';').filter(Boolean))
      (database as unknown as { pragma(text: string): unknown }).pragma(pragma);
    const privacy = createPrivacyFilter();
    const memo = new SessionMemo();
    let privacyUs = 0;
    let rowsUs = 0;
    let writeUs = 0;
    let writeWallMs = 0;
    for (let i = 0, batch = 0; i < events.length; i += BATCH, batch++) {
      let t = process.cpuUsage();
      const filtered = events.slice(i, i + BATCH).map(privacy);
      privacyUs += cpuUs(t);
      t = process.cpuUsage();
      const rows = eventRows(filtered, memo);
      rowsUs += cpuUs(t);
      t = process.cpuUsage();
      const wall = performance.now();
      writeSqliteBatch(database, { id: `b-${round}-${batch}`, nodeId: 'bench', rows });
      writeWallMs += performance.now() - wall;
      writeUs += cpuUs(t);
    }
    await db.destroy();
    results.privacy?.push(privacyUs / events.length);
    results.rows?.push(rowsUs / events.length);
    results.write?.push(writeUs / events.length);
    results.total?.push((privacyUs + rowsUs + writeUs) / events.length);
    results['write (wall)']?.push((writeWallMs * 1000) / events.length);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  console.log(
    `${events.length} events, ${concurrent} sessions interleaved, batches of ${BATCH}, load ${loadavg()[0]?.toFixed(1)}; CPU µs per event (median of ${rounds}):`,
  );
  for (const [stage, xs] of Object.entries(results))
    console.log(
      `  ${stage.padEnd(8)} ${median(xs).toFixed(2)}  (${xs.map((x) => x.toFixed(2)).join(', ')})`,
    );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
