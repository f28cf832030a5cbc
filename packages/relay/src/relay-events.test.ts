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
});

async function oneMessage(types: ReadonlySet<SessionEvent['type']>): Promise<Harness> {
  mx = await startFakeMx();
  harness = await startRelay(mx.port, {}, types);
  const client = await connectClient(harness.port);
  await client.reply();
  client.send('EHLO sender.example\r\n');
  await client.reply();
  client.send('MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n');
  for (let i = 0; i < 3; i++) await client.reply();
  client.send('Subject: t\r\n\r\nbody\r\n.\r\n');
  expect(await client.reply()).toMatch(/^250 /);
  client.send('QUIT\r\n');
  expect(await client.reply()).toMatch(/^221 /);
  await client.closed;
  await harness.closedSessions(1);
  return harness;
}

describe('relay events a sink does not take', () => {
  it('are not built, and the ones it takes stay complete', async () => {
    const { events } = await oneMessage(new Set(['transaction.completed', 'session.closed']));
    expect(events.map((e) => e.type)).toEqual(['transaction.completed', 'session.closed']);
    expect(events[0]).toMatchObject({
      outcome: 'delivered',
      sender: 'a@example.org',
      recipients: [{ address: 'b@example.net', reply: { code: 250 } }],
      finalReply: { code: 250 },
    });
    // No beforeRelay decider held the message.
    expect(events[0]).not.toHaveProperty('heldMs');
    expect(events[1]).toMatchObject({ reason: 'quit', transactions: 1 });
    expect(mx?.messages).toHaveLength(1);
  });

  it('with only session.closed, still count the transactions and relay the mail', async () => {
    const { events } = await oneMessage(new Set(['session.closed']));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'session.closed', reason: 'quit', transactions: 1 });
    expect(mx?.messages[0]?.body.toString()).toBe('Subject: t\r\n\r\nbody\r\n');
  });
});
