import type { SessionEvent } from '@warp/hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeMx, startFakeMx } from './internal/test-support/fake-mx';
import { type Harness, startRelay } from './internal/test-support/relay-harness';
import { connectClient } from './internal/test-support/smtp-client';

let mx: FakeMx | undefined;
let harness: Harness | undefined;

afterEach(async () => {
  await harness?.relay.close({ graceMs: 0 });
  await mx?.close();
  harness = undefined;
  mx = undefined;
});

async function setup(
  options: Parameters<typeof startFakeMx>[0] = {},
  relayOptions: Parameters<typeof startRelay>[1] = {},
) {
  mx = await startFakeMx(options);
  harness = await startRelay(mx.port, relayOptions);
  const client = await connectClient(harness.port);
  return { client, mx, harness };
}

const ofType = <T extends SessionEvent['type']>(events: SessionEvent[], type: T) =>
  events.filter((e): e is Extract<SessionEvent, { type: T }> => e.type === type);

describe('relay session', () => {
  it('answers 421 and never passes on a reply the MX sent to no command', async () => {
    mx = await startFakeMx({ unsolicitedAfterEhlo: '250 2.0.0 Ok: queued as SURPRISE\r\n' });
    harness = await startRelay(mx.port);
    const client = await connectClient(harness.port);
    await client.reply();
    client.send('EHLO sender.example\r\n');
    await client.closed;
    expect(client.received()).toMatch(/^421 /m);
    expect(client.received()).not.toContain('SURPRISE');
    await harness.closedSessions(1);
    expect(harness.events.find((e) => e.type === 'session.closed')).toMatchObject({
      reason: 'error',
    });
  });

  it('relays a pipelined transaction byte-exactly and attributes every reply', async () => {
    const { client, mx, harness } = await setup();
    expect(await client.reply()).toBe('220 mx.example.test ESMTP fake\r\n');
    client.send('EHLO sender.example\r\n');
    expect(await client.reply()).toBe('250-mx.example.test\r\n250-PIPELINING\r\n250 8BITMIME\r\n');
    client.send(
      'MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nRCPT TO:<c@example.net>\r\nDATA\r\n',
    );
    expect(await client.reply()).toBe('250 2.1.0 Ok\r\n');
    expect(await client.reply()).toBe('250 2.1.5 Ok\r\n');
    expect(await client.reply()).toBe('250 2.1.5 Ok\r\n');
    expect((await client.reply()).startsWith('354 ')).toBe(true);
    const body =
      'Subject: t\r\n\r\n..leading dot\r\nMAIL FROM:<evil@example.org>\r\nUTF-8: h\u00e9llo\r\n';
    client.send(Buffer.from(`${body}.\r\n`, 'utf8'));
    expect(await client.reply()).toBe('250 2.0.0 Ok: queued\r\n');
    client.send('QUIT\r\n');
    expect(await client.reply()).toBe('221 2.0.0 Bye\r\n');
    await client.closed;
    const [closed] = await harness.closedSessions(1);
    expect(mx.messages).toHaveLength(1);
    expect(mx.messages[0]?.body.equals(Buffer.from(body, 'utf8'))).toBe(true);
    expect(mx.messages[0]?.recipients).toEqual(['b@example.net', 'c@example.net']);
    const exchanges = ofType(harness.events, 'reply.received');
    expect(exchanges.map((e) => `${e.command?.verb ?? 'greeting'} ${e.reply.code}`)).toEqual([
      'greeting 220',
      'EHLO 250',
      'MAIL 250',
      'RCPT 250',
      'RCPT 250',
      'DATA 354',
      '. 250',
      'QUIT 221',
    ]);
    expect(exchanges.every((e) => e.latencyMs >= 0)).toBe(true);
    expect(exchanges[2]?.reply.enhanced).toBe('2.1.0');
    const [transaction] = ofType(harness.events, 'transaction.completed');
    expect(transaction).toMatchObject({
      transaction: 1,
      sender: 'a@example.org',
      outcome: 'delivered',
      decidedBy: 'server',
      size: Buffer.byteLength(body),
    });
    expect(transaction?.recipients.map((r) => r.address)).toEqual([
      'b@example.net',
      'c@example.net',
    ]);
    expect(closed).toMatchObject({ reason: 'quit', transactions: 1, error: null });
  });

  it('tracks several transactions on one connection, with RSET and a refused recipient', async () => {
    const { client, harness } = await setup({
      rcptReply: (a) => (a.startsWith('bad') ? '550 5.1.1 <bad> unknown' : '250 2.1.5 Ok'),
    });
    await client.reply();
    client.send('EHLO s\r\n');
    await client.reply();
    for (let i = 0; i < 3; i++) {
      client.send(`MAIL FROM:<s${i}@example.org>\r\nRCPT TO:<r@example.net>\r\nDATA\r\n`);
      for (let k = 0; k < 3; k++) await client.reply();
      client.send(`message ${i}\r\n.\r\n`);
      expect(await client.reply()).toMatch(/^250 /);
    }
    client.send('MAIL FROM:<x@example.org>\r\nRCPT TO:<bad@example.net>\r\nDATA\r\n');
    await client.reply();
    expect(await client.reply()).toMatch(/^550 /);
    expect(await client.reply()).toMatch(/^554 /);
    client.send('RSET\r\nQUIT\r\n');
    await client.reply();
    await client.reply();
    await harness.closedSessions(1);
    const outcomes = ofType(harness.events, 'transaction.completed').map(
      (t) => `${t.transaction}:${t.outcome}:${t.finalReply.code}`,
    );
    expect(outcomes).toEqual([
      '1:delivered:250',
      '2:delivered:250',
      '3:delivered:250',
      '4:rejected:550',
    ]);
  });

  it('strips STARTTLS, REQUIRETLS and PIPECONNECT from the EHLO reply and fixes the last line', async () => {
    const { client } = await setup(
      { capabilities: ['PIPELINING', 'SIZE 1000', 'REQUIRETLS', 'PIPECONNECT', 'STARTTLS'] },
      { tls: 'off' },
    );
    await client.reply();
    client.send('EHLO s\r\n');
    expect(await client.reply()).toBe('250-mx.example.test\r\n250-PIPELINING\r\n250 SIZE 1000\r\n');
  });

  it('keeps CHUNKING by default and relays BDAT chunks by octet count', async () => {
    const { client, mx } = await setup({ capabilities: ['PIPELINING', 'CHUNKING'] });
    await client.reply();
    client.send('EHLO s\r\n');
    expect(await client.reply()).toContain('250 CHUNKING');
    const chunk1 = 'Subject: b\r\n\r\n.\r\nDATA\r\n';
    const chunk2 = 'QUIT\r\nlast';
    client.send(
      `MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nBDAT ${chunk1.length}\r\n${chunk1}BDAT ${chunk2.length} LAST\r\n${chunk2}QUIT\r\n`,
    );
    for (let k = 0; k < 4; k++) expect(await client.reply()).toMatch(/^250 /);
    expect(await client.reply()).toMatch(/^221 /);
    expect(mx.messages[0]?.body.toString()).toBe(chunk1 + chunk2);
  });

  it('hides CHUNKING and BINARYMIME when BDAT relaying is turned off', async () => {
    const { client } = await setup(
      { capabilities: ['CHUNKING', 'BINARYMIME', '8BITMIME'] },
      { relayBdat: false },
    );
    await client.reply();
    client.send('EHLO s\r\n');
    expect(await client.reply()).toBe('250-mx.example.test\r\n250 8BITMIME\r\n');
  });

  it('refuses a bare-LF dot line with a 5xx and never completes the message at the MX', async () => {
    const { client, mx, harness } = await setup();
    await client.reply();
    client.send('EHLO s\r\n');
    await client.reply();
    client.send('MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n');
    for (let k = 0; k < 3; k++) await client.reply();
    client.send(
      'Subject: smuggle\r\n\r\nhello\n.\nMAIL FROM:<evil@example.org>\r\nRCPT TO:<victim@example.net>\r\nDATA\r\nevil\r\n.\r\n',
    );
    expect(await client.reply()).toMatch(/^554 5\.6\.0 /);
    await client.closed;
    await harness.closedSessions(1);
    expect(mx.messages).toHaveLength(0);
    expect(mx.commands.some((c) => c.includes('evil'))).toBe(false);
    const [transaction] = ofType(harness.events, 'transaction.completed');
    expect(transaction).toMatchObject({ outcome: 'bounced', decidedBy: 'relay' });
  });

  it('answers 421 when the MX closes mid-DATA and the message is not delivered', async () => {
    const { client, mx, harness } = await setup({ closeAfterBodyBytes: 10 });
    await client.reply();
    client.send('EHLO s\r\n');
    await client.reply();
    client.send('MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n');
    for (let k = 0; k < 3; k++) await client.reply();
    client.send('a fairly long first line of the body\r\n');
    expect(await client.reply()).toMatch(/^421 4\.4\.2 /);
    const [closed] = await harness.closedSessions(1);
    expect(closed).toMatchObject({
      reason: 'server-closed',
      error: { code: 'WARP_ERR_RELAY_SERVER_CLOSED' },
    });
    expect(mx.messages).toHaveLength(0);
    expect(ofType(harness.events, 'transaction.completed')[0]).toMatchObject({
      outcome: 'deferred',
      decidedBy: 'relay',
    });
  });

  it('assembles replies written one line per write', async () => {
    const { client } = await setup(
      { splitReplyLines: true, capabilities: ['PIPELINING', 'SIZE', '8BITMIME', 'STARTTLS'] },
      { tls: 'off' },
    );
    await client.reply();
    client.send('EHLO s\r\n');
    expect(await client.reply()).toBe(
      '250-mx.example.test\r\n250-PIPELINING\r\n250-SIZE\r\n250 8BITMIME\r\n',
    );
  });

  it('keeps relaying replies after the MTA half-closes', async () => {
    const { client, mx } = await setup();
    await client.reply();
    client.send('EHLO s\r\n');
    await client.reply();
    client.send('MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n');
    for (let k = 0; k < 3; k++) await client.reply();
    client.socket.end('hi\r\n.\r\nQUIT\r\n');
    expect(await client.reply()).toMatch(/^250 2\.0\.0/);
    expect(await client.reply()).toMatch(/^221 /);
    await client.closed;
    expect(mx.messages).toHaveLength(1);
  });

  it('reports an MTA that closes an idle connection without QUIT as client-closed', async () => {
    const { client, harness } = await setup();
    await client.reply();
    client.send('EHLO s\r\n');
    await client.reply();
    client.socket.end();
    await client.closed;
    const [closed] = await harness.closedSessions(1);
    expect(closed).toMatchObject({ reason: 'client-closed', error: null });
  });
});
