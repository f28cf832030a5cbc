import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReplyReceivedEvent, TransactionCompletedEvent, WarpEvent } from '@warp/hooks';
import { afterAll, describe, expect, it } from 'vitest';
import { openMysql, openSqlite } from './internal/test-databases';
import { createPrivacyFilter } from './privacy';
import { createStorePlugin, storeOf } from './store-plugin';
import { createTestDatabase, dropTestDatabase, mariadb } from './testing/mariadb';
import { sessionEvents } from './testing/session-events';

const MARKER = 'SECRETBODYMARKER';

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

function exchangeOf(events: WarpEvent[], verb: string): ReplyReceivedEvent {
  const found = events.find((e) => e.type === 'reply.received' && e.command?.verb === verb);
  if (!found) throw new Error(`no ${verb}`);
  return found as ReplyReceivedEvent;
}

function reply(
  sessionId: string,
  verb: string | null,
  line: string,
  code: number,
  text: string,
): ReplyReceivedEvent {
  const at = '2026-11-28T12:00:01.000Z';
  return {
    type: 'reply.received',
    nodeId: 'node-a',
    sessionId,
    at,
    monotonicMs: 5,
    command: verb === null ? null : { verb, line, at, monotonicMs: 4 },
    reply: { code, text, lines: [`${code} ${text}`] },
    latencyMs: 1,
    transaction: 1,
  };
}

/** A session where content tries every way in: extra fields, body lines taken for commands, AUTH, echoes. */
function leakySession(sessionId: string): WarpEvent[] {
  const events = sessionEvents({
    sessionId,
    sender: 'alice@example.org',
    recipients: ['bob@example.net'],
  });
  const auth = [
    reply(
      sessionId,
      'AUTH',
      `AUTH PLAIN ${Buffer.from(`\0alice\0${MARKER}`).toString('base64')}`,
      235,
      'ok',
    ),
    reply(sessionId, 'AUTH', 'AUTH LOGIN', 334, 'VXNlcm5hbWU6'),
    reply(sessionId, 'YWxpY2U=', 'YWxpY2U=', 334, 'UGFzc3dvcmQ6'),
    reply(
      sessionId,
      MARKER,
      `${MARKER} a body line the parser took for a command`,
      500,
      'unknown command',
    ),
  ];
  const withExtras = events.map((event) => {
    if (event.type === 'transaction.completed') {
      return {
        ...event,
        message: {
          headers: [{ name: 'Subject', value: MARKER }],
          content: `Subject: ${MARKER}\r\n\r\n${MARKER}`,
        },
      };
    }
    if (event.type === 'reply.received')
      return { ...event, content: MARKER, reply: { ...event.reply, raw: MARKER } };
    return event;
  }) as WarpEvent[];
  return [...withExtras.slice(0, 3), ...auth, ...withExtras.slice(3)];
}

describe('createPrivacyFilter', () => {
  it('never mutates its input and returns the same output for the same input', () => {
    const filter = createPrivacyFilter({ addresses: 'hash', hashKey: 'k' });
    const events = deepFreeze(leakySession('pure'));
    expect(events.map(filter)).toEqual(events.map(filter));
  });

  it('keeps only contract fields at envelope level: no content, headers, or unknown fields', () => {
    const filter = createPrivacyFilter();
    const lines = leakySession('envelope').map((e) => JSON.stringify(filter(e)));
    expect(lines.join('\n')).not.toContain(MARKER);
    const txn = JSON.parse(lines.find((l) => l.includes('transaction.completed')) ?? '{}');
    expect(txn.message).toBeUndefined();
    expect(txn.recipients[0].address).toBe('bob@example.net');
  });

  it('keeps the optional contract fields of a transaction: plugin and heldMs', () => {
    const completed = sessionEvents({ sessionId: 'held' }).find(
      (e) => e.type === 'transaction.completed',
    ) as TransactionCompletedEvent;
    const filtered = createPrivacyFilter()({
      ...completed,
      plugin: 'scanner',
      heldMs: 42.5,
    }) as TransactionCompletedEvent;
    expect(filtered).toMatchObject({ plugin: 'scanner', heldMs: 42.5 });
  });

  it('redacts AUTH credentials, SASL challenges and answers, and lines that are not SMTP commands', () => {
    const filtered = leakySession('auth').map(createPrivacyFilter()) as WarpEvent[];
    const lines = filtered.flatMap((e) =>
      e.type === 'reply.received' && e.command ? [e.command.line] : [],
    );
    expect(lines).toContain('AUTH PLAIN [redacted]');
    expect(lines).toContain('AUTH LOGIN [redacted]');
    expect(lines.filter((l) => l === '[redacted]')).toHaveLength(2);
    const challenges = filtered.filter((e) => e.type === 'reply.received' && e.reply.code === 334);
    expect(challenges.map((e) => (e as ReplyReceivedEvent).reply.text)).toEqual([
      '[redacted]',
      '[redacted]',
    ]);
  });

  it('hashes addresses with a key: same address, same value; domain kept; applying twice changes nothing', () => {
    const filter = createPrivacyFilter({ addresses: 'hash', hashKey: 'secret' });
    const once = sessionEvents({ sessionId: 'h', sender: 'Alice@Example.org' }).map(filter);
    const twice = once.map(filter);
    expect(twice).toEqual(once);
    const txn = once.find((e) => e.type === 'transaction.completed') as TransactionCompletedEvent;
    expect(txn.sender).toMatch(/^#[0-9a-f]{16}@Example\.org$/);
    expect(exchangeOf(once, 'MAIL').command?.line).toBe(`MAIL FROM:<${txn.sender}> SIZE=2048`);
    expect(exchangeOf(once, 'MAIL').reply.text).toBe(`<${txn.sender}> ok`);
    const other = createPrivacyFilter({ addresses: 'hash', hashKey: 'other' });
    const withOtherKey = sessionEvents({ sessionId: 'h', sender: 'Alice@Example.org' }).map(other);
    expect(
      (withOtherKey.find((e) => e.type === 'transaction.completed') as TransactionCompletedEvent)
        .sender,
    ).not.toBe(txn.sender);
  });

  it('keeps only the domain of addresses in domain-only mode, and leaves the null sender empty', () => {
    const filter = createPrivacyFilter({ addresses: 'domain-only' });
    const events = sessionEvents({
      sessionId: 'd',
      sender: '',
      recipients: ['bob@example.net'],
    }).map(filter);
    const txn = events.find((e) => e.type === 'transaction.completed') as TransactionCompletedEvent;
    expect(txn.sender).toBe('');
    expect(txn.recipients[0]?.address).toBe('*@example.net');
    expect(exchangeOf(events, 'RCPT').command?.line).toBe('RCPT TO:<*@example.net>');
    expect(JSON.stringify(events)).not.toContain('bob@');
  });

  it('keeps allowed headers at headers level and the content only at full level', () => {
    const message = {
      headers: [
        { name: 'Message-ID', value: '<1@x>' },
        { name: 'Subject', value: 'hi' },
      ],
      content: 'body',
    };
    const txn = {
      ...sessionEvents({ sessionId: 'm' }).find((e) => e.type === 'transaction.completed'),
      message,
    } as WarpEvent;
    expect(createPrivacyFilter({ capture: 'headers' })(txn)).toMatchObject({
      message: { headers: [message.headers[0]] },
    });
    expect(createPrivacyFilter({ capture: 'headers' })(txn)).not.toHaveProperty('message.content');
    expect(createPrivacyFilter({ capture: 'full' })(txn)).toMatchObject({ message });
  });

  it('returns an event filtered before with the same settings as it is, and filters it again under other settings', () => {
    const txn = {
      ...sessionEvents({ sessionId: 'twice' }).find((e) => e.type === 'transaction.completed'),
      message: { headers: [{ name: 'Subject', value: MARKER }], content: MARKER },
    } as WarpEvent;
    const byWarpd = createPrivacyFilter({ capture: 'full' })(txn);
    expect(byWarpd).not.toBe(txn);
    // The store's own filter, same settings: nothing to do.
    expect(createPrivacyFilter({ capture: 'full' })(byWarpd)).toBe(byWarpd);
    // A stricter store than warpd still strips what warpd let through.
    const stricter = createPrivacyFilter({ capture: 'envelope' })(byWarpd);
    expect(JSON.stringify(stricter)).not.toContain(MARKER);
    const hashed = createPrivacyFilter({ addresses: 'hash', hashKey: 'a' })(txn);
    const otherKey = createPrivacyFilter({ addresses: 'hash', hashKey: 'b' })(hashed);
    expect(otherKey).not.toBe(hashed);
  });

  it('refuses hash mode without a key', () => {
    expect(() => createPrivacyFilter({ addresses: 'hash' })).toThrow(
      expect.objectContaining({ code: 'WARP_ERR_STORE_PRIVACY_OPTIONS' }),
    );
  });
});

describe('envelope capture in the stores', () => {
  const dir = mkdtempSync(join(tmpdir(), 'warp-privacy-'));
  const databases: string[] = [];
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    for (const database of databases) dropTestDatabase(database);
  });

  async function run(open: () => ReturnType<typeof openSqlite>) {
    const plugin = createStorePlugin('privacy-test', {}, { open, close: (db) => db.destroy() });
    await plugin.init?.({ nodeId: 'node-a', report: (e) => expect.fail(String(e)) });
    await plugin.hooks.onEvents?.(leakySession('leaky'));
    await storeOf(plugin)?.flush();
    const stats = storeOf(plugin)?.stats();
    await plugin.close?.();
    return stats;
  }

  it('leaves no message content anywhere in the SQLite files', async () => {
    const path = join(dir, 'privacy.db');
    expect(await run(() => openSqlite(path))).toMatchObject({ written: 17, dropped: 0 });
    const files = readdirSync(dir).filter((f) => f.startsWith('privacy.db'));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) expect(readFileSync(join(dir, file)).includes(MARKER)).toBe(false);
    // The events were stored, only without the secret.
    const check = openSqlite(path);
    const commands = await check
      .selectFrom('exchanges')
      .select(['verb', 'command'])
      .orderBy('id')
      .execute();
    const captures = await check.selectFrom('message_captures').selectAll().execute();
    await check.destroy();
    expect(captures).toEqual([]);
    expect(commands.slice(1, 6)).toEqual([
      { verb: 'EHLO', command: 'EHLO relay.example.org' },
      { verb: 'AUTH', command: 'AUTH PLAIN [redacted]' },
      { verb: 'AUTH', command: 'AUTH LOGIN [redacted]' },
      { verb: '[redacted]', command: '[redacted]' },
      { verb: '[redacted]', command: '[redacted]' },
    ]);
  });

  it('leaves no message content in any MariaDB table', async () => {
    const database = createTestDatabase();
    databases.push(database);
    expect(await run(() => openMysql(database))).toMatchObject({ written: 17, dropped: 0 });
    const tables = mariadb(`show tables from ${database}`).trim().split('\n');
    expect(tables).toContain('exchanges');
    // The table a `headers` / `full` level would fill stays empty.
    expect(tables).toContain('message_captures');
    expect(mariadb(`select count(*) from ${database}.message_captures`).trim()).toBe('0');
    for (const table of tables)
      expect(mariadb(`select * from ${database}.${table}`)).not.toContain(MARKER);
  });
});
