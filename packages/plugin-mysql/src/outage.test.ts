import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storeOf } from '@warp/store-sql';
import {
  createPrivateMariadb,
  mariadb,
  type PrivateMariadb,
  sessionEvents,
} from '@warp/store-sql/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mysqlStore } from './index';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('mysqlStore during a database outage', () => {
  let server: PrivateMariadb;
  const dir = mkdtempSync(join(tmpdir(), 'warp-outage-'));

  beforeAll(async () => {
    // A server of this test's own: crashing it stops no other suite's database.
    server = await createPrivateMariadb();
    await server.start();
    mariadb('create database warp_outage character set utf8mb4', server.port);
  });

  afterAll(async () => {
    await server?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('spools while MariaDB is down under load and replays every event exactly once', async () => {
    const plugin = mysqlStore({
      connection: { host: '127.0.0.1', port: server.port, user: 'root', database: 'warp_outage' },
      spoolPath: join(dir, 'outage.spool'),
      flushIntervalMs: 10,
      retryIntervalMs: 100,
      // Small, so the outage fills memory and the spool file takes over.
      maxPendingEvents: 2000,
    });
    const reports: Array<{ code?: string }> = [];
    await plugin.init?.({
      nodeId: 'node-a',
      report: (e) => void reports.push(e as { code?: string }),
    });
    let sessions = 0;
    let spooledPeak = 0;
    const feed = async (ms: number) => {
      const until = Date.now() + ms;
      while (Date.now() < until) {
        for (let i = 0; i < 4; i++)
          plugin.hooks.onEvents?.(sessionEvents({ sessionId: `s-${sessions++}` }));
        spooledPeak = Math.max(spooledPeak, storeOf(plugin)?.stats().spoolBytes ?? 0);
        await sleep(5);
      }
    };
    // Load first reaches the database (migrations done, batches committed), then the crash.
    while ((storeOf(plugin)?.stats().written ?? 0) === 0) await feed(100);
    await feed(300);
    await server.stop('SIGKILL');
    await feed(1500);
    await server.start();
    await feed(700);
    await storeOf(plugin)?.flush();
    await plugin.close?.();

    expect(reports.map((r) => r.code)).toContain('WARP_ERR_STORE_UNAVAILABLE');
    expect(spooledPeak).toBeGreaterThan(0);
    expect(storeOf(plugin)?.stats()).toMatchObject({ dropped: 0, spoolBytes: 0, pending: 0 });
    const count = (sql: string) => Number(mariadb(`use warp_outage; ${sql}`, server.port).trim());
    expect(count('select count(*) from sessions where close_reason is not null')).toBe(sessions);
    expect(count('select count(*) from transactions')).toBe(sessions);
    expect(count('select count(*) from exchanges')).toBe(sessions * 9);
    // Exactly once: no session has an exchange twice.
    expect(
      count(
        'select count(*) from (select session_id from exchanges group by session_id having count(*) <> 9) d',
      ),
    ).toBe(0);
  });
});
