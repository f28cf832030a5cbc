import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WarpEvent } from '@warp/hooks';
import { runConformanceSuite } from '@warp/hooks/testing';
import { findSessions, findTransactions, providerSummary, storeOf } from '@warp/store-sql';
import { sessionEvents } from '@warp/store-sql/testing';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import sqlitePlugin, { sqliteStore } from './index';

const dir = mkdtempSync(join(tmpdir(), 'warp-plugin-sqlite-'));
let files = 0;
const tempPath = () => join(dir, `store-${files++}.db`);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sessionIdsIn(path: string): Set<string> {
  const db = new Database(path, { readonly: true });
  try {
    const rows = db.prepare('select session_id from sessions').all() as { session_id: string }[];
    return new Set(rows.map((r) => r.session_id));
  } finally {
    db.close();
  }
}

runConformanceSuite('plugin-sqlite', {
  factory: sqlitePlugin,
  options: () => ({ path: tempPath() }),
  invalidOptions: [
    { path: 5 },
    { batchSize: 'many' },
    { privacy: { capture: 'everything' } },
    { pathh: 'x.db' },
  ],
  afterClose: (events: readonly WarpEvent[], options) => {
    const expected = new Set(events.flatMap((e) => ('sessionId' in e ? [e.sessionId] : [])));
    expect(sessionIdsIn(options.path)).toEqual(expected);
  },
});

describe('sqliteStore', () => {
  it('stores sessions that the query API then finds', async () => {
    const plugin = sqliteStore({ path: tempPath() });
    await plugin.init?.({ nodeId: 'node-a', report: (e) => expect.fail(String(e)) });
    plugin.hooks.onEvents?.(
      sessionEvents({ sessionId: 's-1', domain: 'gmail.test', outcome: 'deferred' }),
    );
    await storeOf(plugin)?.flush();
    const db = storeOf(plugin)?.db;
    if (!db) throw new Error('no db after init');
    expect(await findSessions(db, { destDomain: 'gmail.test' })).toHaveLength(1);
    expect(await findTransactions(db, { outcome: 'deferred' })).toHaveLength(1);
    expect((await providerSummary(db))[0]).toMatchObject({ key: 'gmail.test', deferralRate: 1 });
    await plugin.close?.();
  });

  it('writes everything before close returns and leaves an empty spool', async () => {
    const path = tempPath();
    const plugin = sqliteStore({ path });
    await plugin.init?.({ nodeId: 'node-a', report: () => {} });
    plugin.hooks.onEvents?.(sessionEvents({ sessionId: 's-spool' }));
    // Close while "the database is unavailable" is hard to fake with SQLite: check the path instead.
    await plugin.close?.();
    expect(storeOf(plugin)?.stats()).toMatchObject({ written: 13, dropped: 0, spoolBytes: 0 });
    expect(existsSync(`${path}.spool`)).toBe(false);
  });

  it('writes into a database the caller opened, and leaves it open', async () => {
    const database = new Database(':memory:');
    const plugin = sqliteStore({ database });
    await plugin.init?.({ nodeId: 'node-a', report: () => {} });
    plugin.hooks.onEvents?.(sessionEvents({ sessionId: 's-own' }));
    await plugin.close?.();
    expect(database.prepare('select count(*) as n from exchanges').get()).toEqual({ n: 9 });
    database.close();
  });
});
