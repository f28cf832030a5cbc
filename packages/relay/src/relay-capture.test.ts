import type {
  MessageContent,
  RelayContext,
  RelayResult,
  SessionEvent,
  TransactionCompletedEvent,
} from '@warp/hooks';
import { describe, expect, it } from 'vitest';
import type { FakeMxOptions } from './internal/test-support/fake-mx';
import { startFakeMx } from './internal/test-support/fake-mx';
import { closeAfterEach } from './internal/test-support/fixtures';
import { startRelay } from './internal/test-support/relay-harness';
import { connectClient } from './internal/test-support/smtp-client';
import type { RelayOptions } from './relay-options';

const fixtures = closeAfterEach();

const message = (n: number) =>
  `Message-ID: <capture-${n}@example.org>\r\nSubject: test ${n}\r\n  folded\r\n\r\n.dot line ${n}\r\nbody-marker-${n}\r\n`;
const stuffed = (text: string) => text.replace(/^\./gm, '..');

async function setup(options: Partial<RelayOptions>, mxOptions: FakeMxOptions = {}) {
  const mx = await startFakeMx(mxOptions);
  fixtures.mx = mx;
  const harness = await startRelay(mx.port, options);
  fixtures.harness = harness;
  const client = await connectClient(harness.port);
  await client.reply();
  client.send('EHLO sender.example\r\n');
  await client.reply();
  return { mx, harness, client };
}

const completed = (events: SessionEvent[]) =>
  events.filter((e): e is TransactionCompletedEvent => e.type === 'transaction.completed');

/** Sends `count` messages by DATA on one connection, then QUIT; the completed transactions. */
async function sendByData(options: Partial<RelayOptions>, bodies: string[]) {
  const { mx, harness, client } = await setup(options);
  for (const body of bodies) {
    client.send(`MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n`);
    for (let k = 0; k < 3; k++) await client.reply();
    client.send(`${stuffed(body)}.\r\n`);
    expect(await client.reply()).toMatch(/^250 /);
  }
  client.send('QUIT\r\n');
  await client.reply();
  await harness.closedSessions(1);
  return { mx, events: harness.events, transactions: completed(harness.events) };
}

describe('relay capture', () => {
  it('at the default envelope level attaches no message and keeps no byte of it in any event', async () => {
    const { mx, events, transactions } = await sendByData({}, [message(1)]);
    expect(mx.messages[0]?.body.toString()).toBe(stuffed(message(1)));
    expect(transactions).toHaveLength(1);
    expect(transactions[0]).not.toHaveProperty('message');
    const all = JSON.stringify(events);
    expect(all).not.toContain('body-marker-1');
    expect(all).not.toContain('capture-1@example.org');
  });

  it('at headers level attaches each transaction its own unfolded header fields, no body', async () => {
    const { mx, transactions } = await sendByData({ capture: { level: 'headers' } }, [
      message(1),
      message(2),
    ]);
    expect(mx.messages.map((m) => m.body.toString())).toEqual([
      stuffed(message(1)),
      stuffed(message(2)),
    ]);
    expect(transactions.map((t) => t.message)).toEqual(
      [1, 2].map((n) => ({
        headers: [
          { name: 'Message-ID', value: `<capture-${n}@example.org>` },
          { name: 'Subject', value: `test ${n}  folded` },
        ],
      })),
    );
    expect(JSON.stringify(transactions)).not.toContain('body-marker');
  });

  it('at full level attaches the content as the MX received it, dot-unstuffed', async () => {
    const { transactions } = await sendByData({ capture: { level: 'full' } }, [
      message(1),
      message(2),
    ]);
    expect(transactions.map((t) => t.message?.content)).toEqual([message(1), message(2)]);
    expect(transactions.map((t) => t.message?.contentTruncated)).toEqual([false, false]);
    expect(transactions[1]?.message?.headers?.[0]?.value).toBe('<capture-2@example.org>');
  });

  it('keeps at most maxContentBytes of a large message, and relays all of it', async () => {
    const big = `Message-ID: <big@example.org>\r\n\r\n${'z'.repeat(998)}\r\n`.repeat(2048); // ~2 MiB
    const { mx, transactions } = await sendByData(
      { capture: { level: 'full', maxContentBytes: 4096 } },
      [big],
    );
    expect(mx.messages[0]?.body.length).toBe(big.length);
    expect(transactions[0]?.size).toBe(big.length);
    expect(transactions[0]?.message).toMatchObject({
      content: big.slice(0, 4096),
      contentTruncated: true,
    });
  });

  it('joins the octets of BDAT chunks (no dot-unstuffing)', async () => {
    const { harness, client, mx } = await setup(
      { capture: { level: 'full' } },
      { capabilities: ['PIPELINING', 'CHUNKING'] },
    );
    const chunk1 = 'Message-ID: <bdat@example.org>\r\nSubject: b\r\n';
    const chunk2 = '\r\n..not stuffed\r\nDATA\r\n';
    client.send(
      `MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nBDAT ${chunk1.length}\r\n${chunk1}BDAT ${chunk2.length} LAST\r\n${chunk2}QUIT\r\n`,
    );
    for (let k = 0; k < 5; k++) await client.reply();
    await harness.closedSessions(1);
    expect(mx.messages[0]?.body.toString()).toBe(chunk1 + chunk2);
    expect(completed(harness.events)[0]?.message).toEqual({
      headers: [
        { name: 'Message-ID', value: '<bdat@example.org>' },
        { name: 'Subject', value: 'b' },
      ],
      content: chunk1 + chunk2,
      contentTruncated: false,
    });
  });

  it('captures a message held for beforeRelay, and a replacement as the MX received it', async () => {
    const replacement = 'Message-ID: <replaced@example.org>\r\n\r\n.replaced body\r\n';
    const replaced: MessageContent = {
      size: replacement.length,
      stream: async function* () {
        yield Buffer.from(replacement);
      },
      bytes: async () => Buffer.from(replacement),
    };
    // The first message goes on as the MTA sent it, the second is replaced.
    const beforeRelay = async (context: RelayContext): Promise<RelayResult> => ({
      action: 'relay',
      message: context.transaction === 1 ? context.message : replaced,
      replacedBy: context.transaction === 1 ? [] : ['rewriter'],
      dispose: async () => {},
    });
    const { mx, transactions } = await sendByData({ capture: { level: 'full' }, beforeRelay }, [
      message(1),
      message(2),
    ]);
    expect(mx.messages.map((m) => m.body.toString())).toEqual([
      stuffed(message(1)),
      stuffed(replacement),
    ]);
    expect(transactions.map((t) => t.message?.content)).toEqual([message(1), replacement]);
    expect(transactions[1]?.message?.headers).toEqual([
      { name: 'Message-ID', value: '<replaced@example.org>' },
    ]);
  });

  it('captures a held message that beforeRelay rejected as the MTA sent it', async () => {
    const { mx, harness, client } = await setup({
      capture: { level: 'headers' },
      beforeRelay: async () => ({
        action: 'reject',
        reply: { code: 550, enhanced: '5.7.1', text: 'no' },
        plugin: 'policy',
      }),
    });
    client.send(`MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n`);
    for (let k = 0; k < 3; k++) await client.reply();
    client.send(`${stuffed(message(1))}.\r\nQUIT\r\n`);
    expect(await client.reply()).toMatch(/^550 /);
    await client.reply();
    await harness.closedSessions(1);
    expect(mx.messages).toHaveLength(0);
    expect(completed(harness.events)[0]).toMatchObject({
      decidedBy: 'plugin',
      message: { headers: [{ name: 'Message-ID', value: '<capture-1@example.org>' }, {}] },
    });
  });
});
