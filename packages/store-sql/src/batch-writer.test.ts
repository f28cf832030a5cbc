import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Kysely, sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { BatchWriter } from './batch-writer';
import { openSqlite } from './internal/test-databases';
import { migrateToLatest } from './migrations';
import type { StoreDatabase } from './schema';
import { sessionEvents } from './testing/session-events';

const dir = mkdtempSync(join(tmpdir(), 'warp-writer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function store(name: string): Promise<Kysely<StoreDatabase>> {
  const db = openSqlite(join(dir, `${name}.db`));
  await migrateToLatest(db as Kysely<unknown>);
  return db;
}

describe('BatchWriter', () => {
  it('drops and reports a batch the database keeps refusing while it answers, then goes on', async () => {
    const db = await store('poison');
    await sql`create trigger refuse before insert on exchanges when new.session_id = 'poison'
      begin select raise(abort, 'refused by test trigger'); end`.execute(db);
    const errors: Array<{ code: string }> = [];
    const writer = new BatchWriter(db, {
      nodeId: 'n',
      retryIntervalMs: 1,
      onError: (e) => void errors.push(e),
    });
    writer.start();
    writer.add(sessionEvents({ sessionId: 'poison' }));
    await writer.flush();
    writer.add(sessionEvents({ sessionId: 'good' }));
    await writer.flush();
    await writer.close();
    expect(errors.map((e) => e.code)).toEqual([
      'WARP_ERR_STORE_UNAVAILABLE',
      'WARP_ERR_STORE_BATCH_REJECTED',
    ]);
    expect(writer.stats()).toMatchObject({ written: 13, dropped: 13 });
    const sessions = await db.selectFrom('exchanges').select('session_id').distinct().execute();
    expect(sessions).toEqual([{ session_id: 'good' }]);
    await db.destroy();
  });

  it('counts events as dropped when the database is down and no spool is configured', async () => {
    const db = await store('nospool');
    await db.destroy();
    const errors: Array<{ code: string }> = [];
    const writer = new BatchWriter(db, { nodeId: 'n', onError: (e) => void errors.push(e) });
    writer.start();
    writer.add(sessionEvents({ sessionId: 'lost' }));
    await writer.close();
    expect(errors.map((e) => e.code)).toEqual([
      'WARP_ERR_STORE_UNAVAILABLE',
      'WARP_ERR_STORE_SPOOL_FULL',
    ]);
    expect(writer.stats()).toMatchObject({ written: 0, dropped: 13, pending: 0 });
  });

  it('writes a young batch when its interval has passed', async () => {
    const db = await store('interval');
    const writer = new BatchWriter(db, { nodeId: 'n', flushIntervalMs: 5 });
    writer.start();
    writer.add(sessionEvents({ sessionId: 'a' }));
    for (let i = 0; i < 200 && writer.stats().written === 0; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(writer.stats().written).toBe(13);
    await writer.close();
    await db.destroy();
  });
});
