// A warp node's store writer in its own process, for the crash and
// many-writers tests: `tsx --conditions=source writer-process.ts '<json>'`.
// Prints `written` once the first batch is committed; exits 0 after `sessions`
// sessions (or runs until killed when `sessions` is 0).
import { subscribe } from 'node:diagnostics_channel';
import type { Kysely } from 'kysely';
import { BatchWriter } from '../batch-writer';
import { openMysql, openSqlite } from '../internal/test-databases';
import { migrateToLatest } from '../migrations';
import type { StoreDatabase } from '../schema';
import { sessionEvents } from '../testing/session-events';

interface Job {
  sqlitePath?: string;
  mysqlDatabase?: string;
  nodeId: string;
  sessions: number;
  batchSize: number;
}

const job = JSON.parse(process.argv[2] ?? '{}') as Job;
const db: Kysely<StoreDatabase> = job.sqlitePath
  ? openSqlite(job.sqlitePath)
  : openMysql(job.mysqlDatabase ?? '');
await migrateToLatest(db as Kysely<unknown>);
const writer = new BatchWriter(db, { nodeId: job.nodeId, batchSize: job.batchSize, maxPendingEvents: 1_000_000 });
let announced = false;
subscribe('warp:store:batch-written', () => {
  if (!announced) process.stdout.write('written\n');
  announced = true;
});
writer.start();
for (let i = 0; job.sessions === 0 || i < job.sessions; i++) {
  writer.add(sessionEvents({ nodeId: job.nodeId, sessionId: `s-${i}`, startMs: Date.parse('2026-11-28T12:00:00Z') + i }));
  // Keep the writer busy without running away from it.
  if (i % 200 === 199) await new Promise((resolve) => setTimeout(resolve, writer.stats().pending > 20_000 ? 20 : 1));
}
await writer.close();
await db.destroy();
