import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WarpEvent } from '@warp/hooks';
import { runConformanceSuite } from '@warp/hooks/testing';
import { findSessions, storeOf } from '@warp/store-sql';
import {
  createTestDatabase,
  dropTestDatabase,
  mariadb,
  sessionEvents,
} from '@warp/store-sql/testing';
import { afterAll, describe, expect, it } from 'vitest';
import mysqlPlugin, { type MysqlOptions, mysqlStore } from './index';

const dir = mkdtempSync(join(tmpdir(), 'warp-plugin-mysql-'));
const databases: string[] = [];

function freshOptions(): MysqlOptions & { connection: { database: string } } {
  const database = createTestDatabase();
  databases.push(database);
  return {
    connection: { host: '127.0.0.1', port: 3306, user: 'root', password: '', database },
    spoolPath: join(dir, `${database}.spool`),
  };
}

afterAll(() => {
  for (const database of databases) dropTestDatabase(database);
  rmSync(dir, { recursive: true, force: true });
});

runConformanceSuite('plugin-mysql', {
  factory: mysqlPlugin,
  options: freshOptions,
  invalidOptions: [
    {},
    { dsn: 5 },
    { connection: { port: 'x' } },
    { privacy: { addresses: 'scramble' } },
  ],
  afterClose: (events: readonly WarpEvent[], options) => {
    const expected = new Set(events.flatMap((e) => ('sessionId' in e ? [e.sessionId] : [])));
    const stored = mariadb(`select session_id from ${options.connection.database}.sessions`);
    expect(new Set(stored.trim().split('\n'))).toEqual(expected);
  },
});

describe('mysqlStore', () => {
  it('connects with a DSN and answers queries', async () => {
    const { connection } = freshOptions();
    const plugin = mysqlStore({ dsn: `mysql://root@127.0.0.1:3306/${connection.database}` });
    await plugin.init?.({ nodeId: 'node-a', report: (e) => expect.fail(String(e)) });
    plugin.hooks.onEvents?.(sessionEvents({ sessionId: 'dsn-1', domain: 'outlook.test' }));
    await storeOf(plugin)?.flush();
    const db = storeOf(plugin)?.db;
    if (!db) throw new Error('no db after init');
    expect(await findSessions(db, { destDomain: 'outlook.test' })).toMatchObject([
      { session_id: 'dsn-1' },
    ]);
    await plugin.close?.();
  });

  it('reports an unreachable server and keeps the events in the spool', async () => {
    const options = freshOptions();
    // A closed port on loopback: connection refused at once.
    const plugin = mysqlStore({ ...options, connection: { ...options.connection, port: 9 } });
    const reports: unknown[] = [];
    await plugin.init?.({ nodeId: 'node-a', report: (e) => void reports.push(e) });
    plugin.hooks.onEvents?.(sessionEvents({ sessionId: 'down-1' }));
    await plugin.close?.();
    expect(reports).toMatchObject([{ code: 'WARP_ERR_STORE_UNAVAILABLE' }]);
    expect(storeOf(plugin)?.stats()).toMatchObject({ written: 0, dropped: 0, pending: 0 });
    expect(storeOf(plugin)?.stats().spoolBytes).toBeGreaterThan(1000);
  });
});
