import type { RelayContext, RelayResult } from '@warp/hooks';
import { describe, expect, it } from 'vitest';
import { startFakeMx } from './internal/test-support/fake-mx';
import { closeAfterEach } from './internal/test-support/fixtures';
import { startRelay } from './internal/test-support/relay-harness';
import { connectClient } from './internal/test-support/smtp-client';

const fixtures = closeAfterEach();

const message = 'Subject: t\r\n\r\n.leading dot\r\nbody\r\n';
const stuffed = 'Subject: t\r\n\r\n..leading dot\r\nbody\r\n';

async function transaction(
  decide: (context: RelayContext, content: string) => RelayResult | Promise<RelayResult>,
) {
  const mx = await startFakeMx({ capabilities: ['PIPELINING', 'CHUNKING', '8BITMIME'] });
  fixtures.mx = mx;
  const seen: Array<{ context: RelayContext; content: string; commandsBefore: string[] }> = [];
  const harness = await startRelay(mx.port, {
    beforeRelay: async (context) => {
      const content = Buffer.from(await context.message.bytes()).toString('latin1');
      seen.push({ context, content, commandsBefore: [...mx.commands] });
      return decide(context, content);
    },
  });
  fixtures.harness = harness;
  const client = await connectClient(harness.port);
  const replies: string[] = [await client.reply()];
  client.send('EHLO sender.example\r\n');
  replies.push(await client.reply());
  client.send(
    `MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n${stuffed}.\r\nQUIT\r\n`,
  );
  for (let i = 0; i < 5; i++) replies.push(await client.reply());
  await harness.closedSessions(1);
  return { replies, seen, mx, harness };
}

const relayAs = (content: string): RelayResult => ({
  action: 'relay',
  message: {
    size: content.length,
    stream: async function* () {
      yield Buffer.from(content, 'latin1');
    },
    bytes: async () => Buffer.from(content, 'latin1'),
  },
  replacedBy: [],
  dispose: async () => {},
});

describe('relay beforeRelay', () => {
  it('holds a pipelined message from the MX until the decision, then relays it', async () => {
    const { replies, seen, mx } = await transaction((_context, content) => relayAs(content));
    expect(replies[1]).not.toContain('CHUNKING');
    expect(replies.slice(2)).toEqual([
      '250 2.1.0 Ok\r\n',
      '250 2.1.5 Ok\r\n',
      '354 [warp] End data with <CR><LF>.<CR><LF>\r\n',
      '250 2.0.0 Ok: queued\r\n',
      '221 2.0.0 Bye\r\n',
    ]);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.content).toBe(message);
    expect(seen[0]?.commandsBefore).not.toContain('DATA');
    expect(seen[0]?.context).toMatchObject({
      sender: 'a@example.org',
      recipients: ['b@example.net'],
      helo: 'sender.example',
      transaction: 1,
    });
    expect(mx.messages[0]?.body.toString('latin1')).toBe(stuffed);
  });

  it('reports how long the deciders held the message, within the transaction time', async () => {
    const { harness } = await transaction(
      (_context, content) =>
        new Promise((resolve) => setTimeout(() => resolve(relayAs(content)), 80)),
    );
    const completed = harness.events.find((e) => e.type === 'transaction.completed');
    expect(completed).toMatchObject({ outcome: 'delivered' });
    const { heldMs, durationMs } = completed as { heldMs: number; durationMs: number };
    expect(heldMs).toBeGreaterThanOrEqual(75);
    expect(heldMs).toBeLessThanOrEqual(durationMs);
  });

  it('relays a message larger than the memory limit from its spool file', async () => {
    const mx = await startFakeMx();
    fixtures.mx = mx;
    const locations: string[] = [];
    const harness = await startRelay(mx.port, {
      beforeRelay: async (context) => {
        locations.push((context.message as { location?: string }).location ?? '');
        return { ...relayAs(''), message: context.message };
      },
    });
    fixtures.harness = harness;
    const client = await connectClient(harness.port);
    await client.reply();
    client.send('EHLO sender.example\r\n');
    await client.reply();
    const body = `.${'y'.repeat(998)}\r\n`.repeat(3000);
    client.send(`MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n`);
    for (let i = 0; i < 3; i++) await client.reply();
    client.send(`.${body.replaceAll('\n.', '\n..')}.\r\n`);
    expect(await client.reply()).toBe('250 2.0.0 Ok: queued\r\n');
    expect(locations[0]).not.toBe('memory');
    expect(mx.messages[0]?.body.length).toBe(body.length + 3000);
  });

  it('sends a replacement dot-stuffed again', async () => {
    const { replies, mx } = await transaction((_context, content) =>
      relayAs(`X-Scanned: yes\r\n${content}.end`),
    );
    expect(replies[5]).toBe('250 2.0.0 Ok: queued\r\n');
    expect(mx.messages[0]?.body.toString('latin1')).toBe(`X-Scanned: yes\r\n${stuffed}..end\r\n`);
  });

  it('answers a rejected message with the plugin reply and resets the MX', async () => {
    const { replies, mx, harness } = await transaction(() => ({
      action: 'reject',
      reply: { code: 550, enhanced: '5.7.1', text: 'message refused by policy' },
      plugin: 'filter',
    }));
    expect(replies[5]).toBe('550 5.7.1 message refused by policy\r\n');
    expect(replies[6]).toBe('221 2.0.0 Bye\r\n');
    expect(mx.messages).toHaveLength(0);
    expect(mx.commands).toEqual([
      'EHLO sender.example',
      'MAIL FROM:<a@example.org>',
      'RCPT TO:<b@example.net>',
      'RSET',
      'QUIT',
    ]);
    const completed = harness.events.find((e) => e.type === 'transaction.completed');
    expect(completed).toMatchObject({ outcome: 'bounced', decidedBy: 'plugin', plugin: 'filter' });
  });

  it('answers DATA as an MX would when the MX accepted no recipient, without asking', async () => {
    const mx = await startFakeMx({ rcptReply: () => '550 5.1.1 <b@example.net>: no such user' });
    fixtures.mx = mx;
    let asked = 0;
    const harness = await startRelay(mx.port, {
      beforeRelay: async (context) => {
        asked++;
        return relayAs(Buffer.from(await context.message.bytes()).toString('latin1'));
      },
    });
    fixtures.harness = harness;
    const client = await connectClient(harness.port);
    await client.reply();
    client.send('EHLO sender.example\r\n');
    await client.reply();
    client.send('MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n');
    const replies = [await client.reply(), await client.reply(), await client.reply()];
    expect(replies).toEqual([
      '250 2.1.0 Ok\r\n',
      '550 5.1.1 <b@example.net>: no such user\r\n',
      '554 5.5.1 [warp] no valid recipients\r\n',
    ]);
    client.send('QUIT\r\n');
    expect(await client.reply()).toBe('221 2.0.0 Bye\r\n');
    await harness.closedSessions(1);
    expect(asked).toBe(0);
    expect(mx.commands).not.toContain('DATA');
    const completed = harness.events.find((e) => e.type === 'transaction.completed');
    expect(completed).toMatchObject({ outcome: 'rejected', finalReply: { code: 550 } });
  });

  it('refuses a BDAT the MTA sends anyway, so nothing bypasses the decision', async () => {
    const mx = await startFakeMx({ capabilities: ['PIPELINING', 'CHUNKING'] });
    fixtures.mx = mx;
    let asked = 0;
    const harness = await startRelay(mx.port, {
      beforeRelay: async () => {
        asked++;
        return { action: 'reject', reply: { code: 550, text: 'no' }, plugin: 'filter' };
      },
    });
    fixtures.harness = harness;
    const client = await connectClient(harness.port);
    await client.reply();
    client.send('EHLO sender.example\r\n');
    await client.reply();
    client.send(
      'MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nBDAT 6 LAST\r\nNOOP\r\nQUIT\r\n',
    );
    const replies = [];
    for (let i = 0; i < 4; i++) replies.push(await client.reply());
    expect(replies.slice(2)).toEqual([
      '502 5.5.1 [warp] BDAT is not offered here; use DATA\r\n',
      '221 2.0.0 Bye\r\n',
    ]);
    await harness.closedSessions(1);
    expect(asked).toBe(0);
    expect(mx.messages).toHaveLength(0);
    expect(mx.commands).not.toContain('NOOP');
  });
});
