import type { MailContext, RcptContext, SessionEvent, VerdictResult } from '@warp/hooks';
import { describe, expect, it } from 'vitest';
import { startFakeMx } from './internal/test-support/fake-mx';
import { closeAfterEach } from './internal/test-support/fixtures';
import { type Harness, startRelay } from './internal/test-support/relay-harness';
import { connectClient, type TestClient } from './internal/test-support/smtp-client';

const fixtures = closeAfterEach();

async function setup(
  relayOptions: Parameters<typeof startRelay>[1],
  mxOptions: Parameters<typeof startFakeMx>[0] = {},
) {
  const mx = await startFakeMx(mxOptions);
  fixtures.mx = mx;
  const harness = await startRelay(mx.port, relayOptions);
  fixtures.harness = harness;
  const client = await connectClient(harness.port);
  expect(await client.reply()).toMatch(/^220 /);
  client.send('EHLO sender.example\r\n');
  expect(await client.reply()).toMatch(/^250-mx.example.test/);
  return { client, mx, harness };
}

const replies = async (client: TestClient, count: number) => {
  const answered: string[] = [];
  while (answered.length < count) answered.push(await client.reply());
  return answered;
};
const PAUSED = '451 4.7.1 sender domain paused\r\n';
const NEED_MAIL = '503 5.5.1 [warp] Error: need MAIL command\r\n';
async function quit(client: TestClient, relay: Harness) {
  client.send('QUIT\r\n');
  expect(await client.reply()).toBe('221 2.0.0 Bye\r\n');
  await relay.closedSessions(1);
}
const allow: VerdictResult = { action: 'allow' };
const pause: VerdictResult = {
  action: 'reply',
  reply: { code: 451, enhanced: '4.7.1', text: 'sender domain paused' },
  plugin: 'pauser',
};
const slowly = <T>(value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), 20));
const transactions = (events: SessionEvent[]) =>
  events.filter(
    (e): e is Extract<SessionEvent, { type: 'transaction.completed' }> =>
      e.type === 'transaction.completed',
  );
const exchanges = (events: SessionEvent[]) =>
  events
    .filter(
      (e): e is Extract<SessionEvent, { type: 'reply.received' }> => e.type === 'reply.received',
    )
    .map((e) => `${e.command?.verb ?? 'greeting'} ${e.reply.code}`);

describe('relay deciders', () => {
  it('answers a refused MAIL and the rest of its pipelined group itself, in order', async () => {
    const mails: MailContext[] = [];
    const { client, mx, harness } = await setup({
      beforeMail: async (context) => {
        mails.push(context);
        return slowly(pause);
      },
    });
    client.send(
      'MAIL FROM:<a@example.org> SIZE=100\r\nRCPT TO:<b@example.net>\r\nRCPT TO:<c@example.net>\r\nDATA\r\nNOOP\r\n',
    );
    expect(await replies(client, 5)).toEqual([
      PAUSED,
      NEED_MAIL,
      NEED_MAIL,
      NEED_MAIL,
      '250 2.0.0 Ok\r\n',
    ]);
    await quit(client, harness);
    expect(mx.commands).toEqual(['EHLO sender.example', 'NOOP', 'QUIT']);
    expect(mails).toMatchObject([
      { sender: 'a@example.org', parameters: ['SIZE=100'], helo: 'sender.example', transaction: 1 },
    ]);
    expect(transactions(harness.events)).toMatchObject([
      {
        outcome: 'deferred',
        finalReply: { code: 451, enhanced: '4.7.1' },
        decidedBy: 'plugin',
        plugin: 'pauser',
        recipients: [
          { address: 'b@example.net', reply: { code: 503 } },
          { address: 'c@example.net', reply: { code: 503 } },
        ],
      },
    ]);
  });

  it('keeps a refused RCPT from the MX and relays the message to the others', async () => {
    const rcpts: RcptContext[] = [];
    const { client, mx, harness } = await setup({
      beforeMail: async () => allow,
      beforeRcpt: async (context) => {
        rcpts.push(context);
        return context.recipient.startsWith('paused') ? slowly(pause) : allow;
      },
    });
    client.send(
      'MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nRCPT TO:<paused@example.net>\r\nRCPT TO:<c@example.net>\r\nDATA\r\n',
    );
    expect(await replies(client, 5)).toEqual([
      '250 2.1.0 Ok\r\n',
      '250 2.1.5 Ok\r\n',
      PAUSED,
      '250 2.1.5 Ok\r\n',
      expect.stringMatching(/^354 /),
    ]);
    client.send('Subject: t\r\n\r\nhello\r\n.\r\nQUIT\r\n');
    expect(await replies(client, 2)).toEqual(['250 2.0.0 Ok: queued\r\n', '221 2.0.0 Bye\r\n']);
    await harness.closedSessions(1);
    expect(mx.messages[0]?.recipients).toEqual(['b@example.net', 'c@example.net']);
    expect(mx.commands.some((c) => c.includes('paused'))).toBe(false);
    expect(rcpts.map((r) => [r.recipient, r.sender])).toEqual([
      ['b@example.net', 'a@example.org'],
      ['paused@example.net', 'a@example.org'],
      ['c@example.net', 'a@example.org'],
    ]);
    const [transaction] = transactions(harness.events);
    expect(transaction?.outcome).toBe('delivered');
    expect(transaction?.recipients.map((r) => `${r.address} ${r.reply.code}`)).toEqual([
      'b@example.net 250',
      'paused@example.net 451',
      'c@example.net 250',
    ]);
    expect(exchanges(harness.events)).toEqual([
      'greeting 220',
      'EHLO 250',
      'MAIL 250',
      'RCPT 250',
      'RCPT 451',
      'RCPT 250',
      'DATA 354',
      '. 250',
      'QUIT 221',
    ]);
  });

  it('answers DATA itself when every RCPT was refused, resets the MX, and goes on', async () => {
    const { client, mx, harness } = await setup({
      beforeRcpt: async (context) =>
        context.transaction === 1
          ? { action: 'reply', reply: { code: 550, enhanced: '5.7.1', text: 'not to them' } }
          : allow,
    });
    client.send('MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n');
    expect(await replies(client, 3)).toEqual([
      '250 2.1.0 Ok\r\n',
      '550 5.7.1 not to them\r\n',
      '554 5.5.1 [warp] Error: no valid recipients\r\n',
    ]);
    client.send('MAIL FROM:<a@example.org>\r\nRCPT TO:<d@example.net>\r\nDATA\r\n');
    expect(await replies(client, 3)).toEqual([
      '250 2.1.0 Ok\r\n',
      '250 2.1.5 Ok\r\n',
      expect.stringMatching(/^354 /),
    ]);
    client.send('Subject: t\r\n\r\nhello\r\n.\r\nQUIT\r\n');
    expect(await replies(client, 2)).toEqual(['250 2.0.0 Ok: queued\r\n', '221 2.0.0 Bye\r\n']);
    await harness.closedSessions(1);
    expect(mx.commands).toEqual([
      'EHLO sender.example',
      'MAIL FROM:<a@example.org>',
      'RSET',
      'MAIL FROM:<a@example.org>',
      'RCPT TO:<d@example.net>',
      'DATA',
      'QUIT',
    ]);
    expect(mx.messages.map((m) => m.recipients)).toEqual([['d@example.net']]);
    expect(
      transactions(harness.events).map((t) => `${t.outcome} ${t.finalReply.code} ${t.decidedBy}`),
    ).toEqual(['rejected 550 plugin', 'delivered 250 server']);
  });

  it('skips the octets of a BDAT chunk it answers itself', async () => {
    const { client, mx, harness } = await setup(
      { beforeMail: async () => pause },
      { capabilities: ['PIPELINING', 'CHUNKING'] },
    );
    client.send(
      'MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nBDAT 12 LAST\r\nNOOP\r\nNOOP\r\nNOOP\r\n',
    );
    expect(await replies(client, 4)).toEqual([PAUSED, NEED_MAIL, NEED_MAIL, '250 2.0.0 Ok\r\n']);
    await quit(client, harness);
    expect(mx.commands).toEqual(['EHLO sender.example', 'NOOP', 'QUIT']);
  });

  it('relays as usual when a decider rejects', async () => {
    const { client, mx, harness } = await setup({
      beforeMail: () => Promise.reject(new Error('plugin bug')),
    });
    client.send('MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nQUIT\r\n');
    expect(await replies(client, 3)).toEqual([
      '250 2.1.0 Ok\r\n',
      '250 2.1.5 Ok\r\n',
      '221 2.0.0 Bye\r\n',
    ]);
    await harness.closedSessions(1);
    expect(mx.commands).toContain('MAIL FROM:<a@example.org>');
  });
});
