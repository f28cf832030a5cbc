import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReplyReceivedEvent } from '@warp/hooks';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchWriter } from './batch-writer';
import { eventRows } from './internal/event-rows';
import { rollupTables } from './internal/rollup-migration';
import { SessionMemo } from './internal/session-memo';
import { bucketCountsOf, outcomeCountsOf, splitWindow } from './internal/summary-counts';
import {
  createTestDatabase,
  dropTestDatabase,
  openMysql,
  openSqlite,
  openSqliteKysely,
} from './internal/test-databases';
import { writeBatch } from './internal/write-batch';
import { migrateToLatest } from './migrations';
import { createPrivacyFilter } from './privacy';
import { findExchanges, findSessions, findTransactions } from './queries';
import { purgeOlderThan } from './retention';
import type { StoreDatabase } from './schema';
import { providerSummary, summarize } from './summary';
import { sessionEvents } from './testing/session-events';

interface Backend {
  name: string;
  open(): Kysely<StoreDatabase>;
  cleanup(): void;
}

function sqliteBackend(): Backend {
  const dir = mkdtempSync(join(tmpdir(), 'warp-store-'));
  return {
    name: 'sqlite',
    open: () => openSqlite(join(dir, 'store.db')),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

function sqliteKyselyBackend(): Backend {
  const dir = mkdtempSync(join(tmpdir(), 'warp-store-kysely-'));
  return {
    name: 'sqlite',
    open: () => openSqliteKysely(join(dir, 'store.db')),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

function mysqlBackend(): Backend {
  let database: string | undefined;
  return {
    name: 'mysql',
    open: () => {
      database ??= createTestDatabase();
      return openMysql(database);
    },
    cleanup: () => database && dropTestDatabase(database),
  };
}

const T0 = Date.parse('2026-11-28T12:00:00Z');

describe.each([
  { name: 'SQLite', makeBackend: sqliteBackend },
  { name: 'SQLite through a plain Kysely', makeBackend: sqliteKyselyBackend },
  { name: 'MariaDB', makeBackend: mysqlBackend },
])('store on $name', ({ makeBackend }) => {
  const backend = makeBackend();
  let db: Kysely<StoreDatabase>;

  beforeAll(async () => {
    db = backend.open();
    await migrateToLatest(db as Kysely<unknown>);
  });

  afterAll(async () => {
    await db?.destroy();
    backend.cleanup();
  });

  it('migrates a second time without doing anything', async () => {
    const again = await migrateToLatest(db as Kysely<unknown>);
    expect(again.results).toEqual([]);
  });

  it('stores sessions, transactions, recipients, exchanges and TLS results', async () => {
    const writer = new BatchWriter(db, { nodeId: 'node-a', batchSize: 5 });
    writer.start();
    writer.add(
      sessionEvents({
        sessionId: 'full-1',
        startMs: T0,
        recipients: ['a@example.net', 'b@example.net'],
      }),
    );
    await writer.flush();
    await writer.close();
    const [session] = await findSessions(db, { nodeId: 'node-a', destDomain: 'example.net' });
    expect(session).toMatchObject({
      session_id: 'full-1',
      mx_host: 'mx1.example.net',
      egress_address: '198.51.100.7',
      close_reason: 'quit',
      tls_protocol: 'TLSv1.3',
      tls_verified: 1,
      transactions: 1,
      opened_us: T0 * 1000,
    });
    const exchanges = await findExchanges(db, { nodeId: 'node-a', sessionId: 'full-1' });
    expect(exchanges.map((e) => e.verb ?? 'greeting')).toEqual([
      'greeting',
      'EHLO',
      'STARTTLS',
      'EHLO',
      'MAIL',
      'RCPT',
      'RCPT',
      'DATA',
      '.',
      'QUIT',
    ]);
    expect(exchanges[5]).toMatchObject({
      dest_domain: 'example.net',
      sender_domain: 'example.org',
      txn_no: 1,
    });
    expect(exchanges[0]?.latency_ms).toBe(38.5);
    const [txn] = await findTransactions(db, { senderDomain: 'example.org', outcome: 'delivered' });
    expect(txn).toMatchObject({
      session_id: 'full-1',
      recipient_count: 2,
      reply_code: 250,
      size: 2048,
    });
    const recipients = await db
      .selectFrom('recipients')
      .selectAll()
      .where('session_id', '=', 'full-1')
      .execute();
    expect(recipients.map((r) => r.address)).toEqual(['a@example.net', 'b@example.net']);
    const tls = await db
      .selectFrom('tls_results')
      .selectAll()
      .where('session_id', '=', 'full-1')
      .execute();
    expect(tls).toMatchObject([{ ok: 1, cert_subject: 'CN=mx1.example.net' }]);
  });

  it('writes a replayed batch once', async () => {
    const events = sessionEvents({ sessionId: 'replayed', startMs: T0 + 10 });
    const batch = {
      id: 'batch-replayed',
      nodeId: 'node-a',
      rows: eventRows(events, new SessionMemo()),
    };
    expect(await writeBatch(db, batch)).toBe(true);
    expect(await writeBatch(db, batch)).toBe(false);
    expect(await findExchanges(db, { nodeId: 'node-a', sessionId: 'replayed' })).toHaveLength(9);
  });

  it('merges a session written over several batches', async () => {
    const events = sessionEvents({ sessionId: 'split', startMs: T0 + 20 });
    const memo = new SessionMemo();
    for (const [i, event] of events.entries()) {
      await writeBatch(db, { id: `split-${i}`, nodeId: 'node-a', rows: eventRows([event], memo) });
    }
    const [session] = await findSessions(db, {
      nodeId: 'node-a',
      egressAddress: '198.51.100.7',
      since: T0 + 20,
      until: T0 + 21,
    });
    expect(session).toMatchObject({
      session_id: 'split',
      mx_host: 'mx1.example.net',
      close_reason: 'quit',
      client_port: 40_000,
    });
  });

  it('keeps 4-byte UTF-8 (utf8mb4) addresses and texts', async () => {
    const writer = new BatchWriter(db, { nodeId: 'node-a' });
    writer.start();
    writer.add(
      sessionEvents({ sessionId: 'utf8', startMs: T0 + 30, sender: 'jörg😀@exämple.org' }),
    );
    await writer.close();
    const [txn] = await findTransactions(db, { senderDomain: 'exämple.org' });
    expect(txn?.sender).toBe('jörg😀@exämple.org');
  });

  it('cuts values to their column widths instead of failing the batch (MySQL strict mode)', async () => {
    const writer = new BatchWriter(db, { nodeId: 'node-a' });
    writer.start();
    const events = sessionEvents({
      sessionId: 'wide',
      startMs: T0 + 40,
      domain: `${'d'.repeat(300)}.test`,
    });
    const long = events.map((e) =>
      e.type === 'reply.received' && e.command?.verb === 'QUIT'
        ? { ...e, command: { ...e.command, verb: 'V'.repeat(40) } }
        : e,
    );
    writer.add(long);
    await writer.close();
    expect(writer.stats()).toMatchObject({ written: 13, dropped: 0 });
    const [session] = await findSessions(db, { nodeId: 'node-a', since: T0 + 40, until: T0 + 41 });
    expect(session?.mx_host).toHaveLength(255);
    const verbs = (await findExchanges(db, { nodeId: 'node-a', sessionId: 'wide' })).map(
      (e) => e.verb,
    );
    expect(verbs.at(-1)).toBe('V'.repeat(16));
  });

  it('writes a batch of long multi-byte texts in statements under MySQL max_allowed_packet', async () => {
    // 600 commands and replies of 16,000 two-byte characters each: 38 MB in one batch, over the
    // 16 MiB default packet if they went in 500-row statements.
    const long = 'é'.repeat(16_000);
    const events = sessionEvents({ sessionId: 'long', startMs: T0 + 80 });
    const [greeting] = events.filter((e) => e.type === 'reply.received');
    const replies = Array.from({ length: 600 }, (_, i) => ({
      ...(greeting as ReplyReceivedEvent),
      command: { verb: 'NOOP', line: `NOOP ${long}`, at: greeting?.at ?? '', monotonicMs: i },
      reply: { code: 250, text: long, lines: [`250 ${long}`] },
    }));
    const writer = new BatchWriter(db, { nodeId: 'node-a', batchSize: 5000 });
    writer.start();
    writer.add([...events.slice(0, 2), ...replies, ...events.slice(2)]);
    await writer.close();
    expect(writer.stats()).toMatchObject({ written: 613, dropped: 0 });
    const stored = await findExchanges(db, { nodeId: 'node-a', sessionId: 'long' });
    expect(stored.filter((e) => e.reply_text === long)).toHaveLength(600);
  });

  it('summarizes providers: outcomes, deferral rate and latency percentiles', async () => {
    const writer = new BatchWriter(db, { nodeId: 'node-b' });
    writer.start();
    const start = T0 + 86_400_000;
    for (let i = 0; i < 8; i++) {
      const outcome = i < 6 ? 'delivered' : 'deferred';
      writer.add(
        sessionEvents({
          nodeId: 'node-b',
          sessionId: `p-${i}`,
          startMs: start + i,
          domain: 'gmail.test',
          outcome,
        }),
      );
    }
    writer.add(
      sessionEvents({
        nodeId: 'node-b',
        sessionId: 'slow',
        startMs: start + 50,
        domain: 'slow.test',
        slowness: 10,
      }),
    );
    await writer.close();
    const rows = await providerSummary(db, { since: start, until: start + 60_000 });
    expect(rows.map((r) => r.key)).toEqual(['gmail.test', 'slow.test']);
    const [gmail, slow] = rows;
    expect(gmail?.outcomes).toEqual({ delivered: 6, deferred: 2, bounced: 0, rejected: 0 });
    expect(gmail?.deferralRate).toBe(0.25);
    expect(gmail?.latency.RCPT?.count).toBe(8);
    expect(gmail?.latency.RCPT?.p50).toBeCloseTo(9.7, 0);
    expect(slow?.latency['.']?.p95).toBeGreaterThan(481 * 0.99);
    expect(slow?.latency['.']?.p95).toBeLessThan(481 * 1.01);
    const byMx = await providerSummary(db, { by: 'mx', key: 'mx1.gmail.test', since: start });
    expect(byMx.map((r) => r.transactions)).toEqual([8]);
    const byEgress = await summarize(db, 'egress', { since: start });
    expect(byEgress.map((r) => [r.key, r.transactions])).toEqual([['198.51.100.7', 9]]);
    const bySender = await summarize(db, 'sender-domain', { since: start, key: 'example.org' });
    expect(bySender[0]?.latency.MAIL?.count).toBe(9);
  });

  it('stores the captured message as the privacy level leaves it: allowed headers, or all of it', async () => {
    const message = {
      headers: [
        { name: 'Message-ID', value: '<m1@example.org>' },
        { name: 'Subject', value: 'quarterly plans' },
      ],
      // Past MySQL's 64 KiB TEXT: the content column must be LONGTEXT.
      content: `Message-ID: <m1@example.org>\r\nSubject: quarterly plans\r\n\r\n${'x'.repeat(100_000)} 😀`,
      contentTruncated: true,
    };
    const session = (sessionId: string, capture: 'envelope' | 'headers' | 'full') =>
      sessionEvents({ nodeId: 'node-m', sessionId, startMs: T0 + 60 })
        .map((e) => (e.type === 'transaction.completed' ? { ...e, message } : e))
        .map(createPrivacyFilter({ capture }));
    const writer = new BatchWriter(db, { nodeId: 'node-m' });
    writer.start();
    writer.add(session('m-envelope', 'envelope'));
    writer.add(session('m-headers', 'headers'));
    writer.add(session('m-full', 'full'));
    await writer.close();
    const rows = await db
      .selectFrom('message_captures')
      .selectAll()
      .where('node_id', '=', 'node-m')
      .orderBy('session_id')
      .execute();
    expect(rows).toEqual([
      {
        node_id: 'node-m',
        session_id: 'm-full',
        txn_no: 1,
        headers: JSON.stringify(message.headers),
        content: message.content,
        content_truncated: 1,
      },
      {
        node_id: 'node-m',
        session_id: 'm-headers',
        txn_no: 1,
        headers: JSON.stringify([message.headers[0]]),
        content: null,
        content_truncated: 0,
      },
    ]);
  });

  it('summarizes any window exactly: whole minutes from the rollups, the ends from the rows', async () => {
    const start = T0 + 2 * 86_400_000;
    const writer = new BatchWriter(db, { nodeId: 'node-r', batchSize: 50 });
    writer.start();
    for (let i = 0; i < 45; i++) {
      writer.add(
        sessionEvents({
          nodeId: 'node-r',
          sessionId: `r-${i}`,
          startMs: start + i * 7_000 + 333,
          domain: i % 2 ? 'a.test' : 'b.test',
          egress: i % 3 ? '198.51.100.8' : '198.51.100.9',
          outcome: i % 5 === 0 ? 'deferred' : 'delivered',
          slowness: 1 + (i % 4),
        }),
      );
    }
    await writer.close();
    const windows: Array<[number, number]> = [
      [start + 10_500, start + 200_250],
      [start + 63_350, start + 63_900],
      [start + 59_999, start + 120_001],
      [start, start + 300_000],
      [start + 120_000, start + 180_000],
    ];
    const tally = (rows: readonly object[]) => {
      const counts: Record<string, number> = {};
      for (const { n, ...rest } of rows as Array<Record<string, unknown>>) {
        const id = JSON.stringify(Object.values({ ...rest, verb: rest.verb || null }));
        counts[id] = (counts[id] ?? 0) + Number(n);
      }
      return counts;
    };
    for (const dimension of ['dest_domain', 'egress_address'] as const) {
      for (const [since, until] of windows) {
        const whole = [{ from: since * 1000, to: until * 1000 }];
        const split = splitWindow(since * 1000, until * 1000);
        expect(split.edges.length + (split.rollup ? 1 : 0)).toBeGreaterThan(0);
        const fromRows = await bucketCountsOf(db, dimension, undefined, undefined, whole);
        const mixed = await bucketCountsOf(db, dimension, undefined, split.rollup, split.edges);
        expect(fromRows.length).toBeGreaterThan(0);
        expect(tally(mixed)).toEqual(tally(fromRows));
        expect(
          tally(await outcomeCountsOf(db, dimension, undefined, split.rollup, split.edges)),
        ).toEqual(tally(await outcomeCountsOf(db, dimension, undefined, undefined, whole)));
      }
    }
    const [a] = await providerSummary(db, { key: 'a.test', since: start + 10_500 });
    expect(a?.transactions).toBe(21);
    expect(a?.outcomes.deferred).toBe(4);
  });

  it('fills the rollups from the rows already stored when it migrates', async () => {
    const before = await summarize(db, 'sender-domain');
    expect(before.length).toBeGreaterThan(0);
    await db.deleteFrom('rollup_latency').execute();
    await db.deleteFrom('rollup_outcomes').execute();
    expect(await summarize(db, 'sender-domain')).toEqual([]);
    // Migration 0002 again, on a store whose rollups are empty (it is safe to rerun).
    await rollupTables(db as Kysely<unknown>);
    expect(await summarize(db, 'sender-domain')).toEqual(before);
    expect(await providerSummary(db, { by: 'mx' })).not.toEqual([]);
  });

  it('shows sessions and exchanges in the Go WARP shape (connections, communications)', async () => {
    const writer = new BatchWriter(db, { nodeId: 'node-g' });
    writer.start();
    writer.add(
      sessionEvents({
        nodeId: 'node-g',
        sessionId: 'go-1',
        startMs: T0 + 70,
        sender: 'alice@example.org',
        recipients: ['bob@example.net', 'carol@example.net'],
      }),
    );
    await writer.close();
    const [connection] = await db
      .selectFrom('go_warp_connections')
      .selectAll()
      .where('id', '=', 'go-1')
      .execute();
    expect(connection).toMatchObject({
      id: 'go-1',
      mail_from: 'alice@example.org',
      mail_to: 'bob@example.net',
      elapsed_seconds: 0,
      node_id: 'node-g',
    });
    // The close time, UTC, to the millisecond.
    const [session] = await findSessions(db, { nodeId: 'node-g' });
    const at = connection?.occurred_at;
    const iso = at instanceof Date ? at.toISOString() : `${String(at).replace(' ', 'T')}Z`;
    expect(iso).toBe(new Date(Number(session?.closed_us) / 1000).toISOString());
    const rows = await db
      .selectFrom('go_warp_communications')
      .select(['direction', 'data'])
      .where('connection_id', '=', 'go-1')
      .orderBy('occurred_at')
      .orderBy('direction', 'desc')
      .execute();
    expect(rows.slice(0, 3)).toEqual([
      { direction: '<-', data: '220 mx1.example.net ESMTP ready' },
      { direction: '->', data: 'EHLO relay.example.org' },
      { direction: '<-', data: '250 mx1.example.net\nPIPELINING\nSTARTTLS' },
    ]);
    // 10 exchanges: the greeting has a reply only.
    expect(rows.filter((r) => r.direction === '->')).toHaveLength(9);
    expect(rows).toHaveLength(19);
  });

  it('purges what is older than the cutoff, in rounds', async () => {
    const writer = new BatchWriter(db, { nodeId: 'node-c' });
    writer.start();
    // Captured at level `full`: the content must go with its session.
    const message = {
      headers: [],
      content: 'Subject: old\r\n\r\nold body',
      contentTruncated: false,
    };
    for (let i = 0; i < 5; i++)
      writer.add(
        sessionEvents({ nodeId: 'node-c', sessionId: `old-${i}`, startMs: T0 - 86_400_000 * 400 })
          .map((e) => (e.type === 'transaction.completed' ? { ...e, message } : e))
          .map(createPrivacyFilter({ capture: 'full' })),
      );
    await writer.close();
    const capturesOf = (node: string) =>
      db.selectFrom('message_captures').select('session_id').where('node_id', '=', node).execute();
    expect(await capturesOf('node-c')).toHaveLength(5);
    const rollupOf = (node: string) =>
      db.selectFrom('rollup_latency').select('n').where('node_id', '=', node).execute();
    expect((await rollupOf('node-c')).length).toBeGreaterThan(0);
    const result = await purgeOlderThan(db, { olderThan: T0 - 86_400_000 * 300, batchSize: 2 });
    expect(result).toEqual({ sessions: 5, exchanges: 45, rounds: 3 });
    expect(await findSessions(db, { nodeId: 'node-c' })).toEqual([]);
    const left = await db
      .selectFrom('transactions')
      .select('session_id')
      .where('node_id', '=', 'node-c')
      .execute();
    expect(left).toEqual([]);
    expect(await rollupOf('node-c')).toEqual([]);
    expect(await capturesOf('node-c')).toEqual([]);
    expect(await findSessions(db, { nodeId: 'node-a', limit: 1 })).toHaveLength(1);
  });
});
