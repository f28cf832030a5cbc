import type { SessionEvent } from '@warp/hooks';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type FakeMx, makeCertificate, startFakeMx } from './internal/test-support/fake-mx';
import { type Harness, startRelay, testIo } from './internal/test-support/relay-harness';
import { connectClient } from './internal/test-support/smtp-client';
import { nodeIo } from './relay-io';

let certificate: { key: string; cert: string };
let mx: FakeMx | undefined;
let harness: Harness | undefined;

beforeAll(() => {
  certificate = makeCertificate('mx.example.test');
});

afterEach(async () => {
  await harness?.relay.close({ graceMs: 0 });
  await mx?.close();
  harness = undefined;
  mx = undefined;
});

const ofType = <T extends SessionEvent['type']>(events: SessionEvent[], type: T) =>
  events.filter((e): e is Extract<SessionEvent, { type: T }> => e.type === type);

async function sendOneMessage(port: number) {
  const client = await connectClient(port);
  const greeting = await client.reply();
  client.send('EHLO sender.example\r\n');
  const ehlo = await client.reply();
  client.send('MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n');
  const replies = [await client.reply(), await client.reply(), await client.reply()];
  if (!replies[2]?.startsWith('354')) return { greeting, ehlo, replies, client };
  client.send('Subject: tls\r\n\r\nbody\r\n.\r\nQUIT\r\n');
  replies.push(await client.reply(), await client.reply());
  return { greeting, ehlo, replies, client };
}

describe('relay STARTTLS towards the MX', () => {
  it('upgrades, hides STARTTLS from the MTA and delivers inside TLS', async () => {
    mx = await startFakeMx({
      tls: certificate,
      capabilities: ['PIPELINING', 'STARTTLS', 'SIZE 10240000'],
    });
    harness = await startRelay(mx.port);
    const { ehlo, replies } = await sendOneMessage(harness.port);
    expect(ehlo).toBe('250-mx.example.test\r\n250-PIPELINING\r\n250 SIZE 10240000\r\n');
    expect(replies.at(-2)).toMatch(/^250 2\.0\.0/);
    expect(mx.messages).toHaveLength(1);
    expect(mx.messages[0]?.tls).toBe(true);
    expect(mx.commands.filter((c) => c.startsWith('tls:'))).toEqual([
      'tls:EHLO sender.example',
      'tls:MAIL FROM:<a@example.org>',
      'tls:RCPT TO:<b@example.net>',
      'tls:DATA',
      'tls:QUIT',
    ]);
    await harness.closedSessions(1);
    const [upgraded] = ofType(harness.events, 'tls.upgraded');
    expect(upgraded).toMatchObject({
      protocol: 'TLSv1.3',
      verified: false,
      verifyError: 'DEPTH_ZERO_SELF_SIGNED_CERT',
    });
    expect(upgraded?.certificate?.subject).toBe('CN=mx.example.test');
    expect(upgraded?.certificate?.subjectAltNames).toEqual(['DNS:mx.example.test']);
    const verbs = ofType(harness.events, 'reply.received').map(
      (e) => e.command?.verb ?? 'greeting',
    );
    expect(verbs.slice(0, 4)).toEqual(['greeting', 'EHLO', 'STARTTLS', 'EHLO']);
    const [closed] = ofType(harness.events, 'session.closed');
    expect(closed?.durations.tlsHandshakeMs).toBeGreaterThan(0);
  });

  it('verifies the certificate when its issuer is trusted and the name matches', async () => {
    mx = await startFakeMx({ tls: certificate });
    harness = await startRelay(mx.port, { tlsOptions: { ca: certificate.cert } });
    await sendOneMessage(harness.port);
    await harness.closedSessions(1);
    expect(ofType(harness.events, 'tls.upgraded')[0]).toMatchObject({
      verified: true,
      verifyError: null,
    });
  });

  it('discards plaintext the MX injects after its 220 to STARTTLS', async () => {
    mx = await startFakeMx({ tls: certificate, injectAfterStarttls: '250 injected\r\n' });
    harness = await startRelay(mx.port);
    const { ehlo, replies } = await sendOneMessage(harness.port);
    // Written with the 220 in one segment: read with it, then dropped before the handshake.
    expect(ehlo).not.toContain('injected');
    expect(replies.some((r) => r.includes('injected'))).toBe(false);
    expect(replies.at(-2)).toMatch(/^250 2\.0\.0/);
    expect(mx.messages[0]?.tls).toBe(true);
  });

  it('answers 421 4.7.0 on a broken handshake, then relays in plaintext while the MX is remembered as broken', async () => {
    mx = await startFakeMx({ tls: certificate, brokenTls: true });
    harness = await startRelay(mx.port);
    const first = await connectClient(harness.port);
    await first.reply();
    first.send('EHLO sender.example\r\n');
    expect(await first.reply()).toMatch(/^421 4\.7\.0 /);
    await first.closed;
    await harness.closedSessions(1);
    expect(ofType(harness.events, 'tls.failed')[0]).toMatchObject({
      stage: 'handshake',
      continuedInPlaintext: false,
    });
    expect(ofType(harness.events, 'session.closed')[0]).toMatchObject({
      reason: 'tls-failed',
      error: { code: 'WARP_ERR_RELAY_TLS_HANDSHAKE' },
    });
    const { replies } = await sendOneMessage(harness.port);
    expect(replies.at(-2)).toMatch(/^250 /);
    expect(mx.messages[0]?.tls).toBe(false);
  });

  it('answers 421 4.7.0 when the MX connection cannot be handed to TLS, and does not blame the MX', async () => {
    mx = await startFakeMx({ tls: certificate });
    const io = testIo() ?? nodeIo;
    harness = await startRelay(mx.port, {
      io: {
        ...io,
        toNetSocket: () => {
          throw Object.assign(new Error('detach EMFILE'), { code: 'EMFILE' });
        },
      },
    });
    const first = await connectClient(harness.port);
    await first.reply();
    first.send('EHLO sender.example\r\n');
    expect(await first.reply()).toMatch(/^421 4\.7\.0 /);
    await first.closed;
    await harness.closedSessions(1);
    expect(ofType(harness.events, 'session.closed')[0]).toMatchObject({
      reason: 'tls-failed',
      error: { code: 'WARP_ERR_RELAY_TLS_HANDSHAKE' },
    });
    expect(ofType(harness.events, 'tls.failed')[0]).toMatchObject({ errorCode: 'EMFILE' });
    // Not remembered as TLS-broken: the next session tries STARTTLS again.
    const second = await connectClient(harness.port);
    await second.reply();
    second.send('EHLO sender.example\r\n');
    expect(await second.reply()).toMatch(/^421 4\.7\.0 /);
  });

  it('ends at once when the MTA leaves during STARTTLS, and does not mark the MX TLS-broken for it', async () => {
    mx = await startFakeMx({ tls: certificate, silentStarttls: true });
    harness = await startRelay(mx.port);
    const first = await connectClient(harness.port);
    await first.reply();
    first.send('EHLO sender.example\r\n');
    while (!mx.commands.includes('STARTTLS')) await new Promise((r) => setTimeout(r, 10));
    first.socket.destroy();
    // The command timeout is 5 minutes: closing now means the MTA's end reached the MX socket.
    await harness.closedSessions(1);
    const second = await connectClient(harness.port);
    await second.reply();
    second.send('EHLO sender.example\r\n');
    while (mx.commands.filter((c) => c === 'STARTTLS').length < 2)
      await new Promise((r) => setTimeout(r, 10));
    second.socket.destroy();
    await harness.closedSessions(2);
  });

  it('refuses with 421 4.7.0 under the required policy when the MX offers no STARTTLS', async () => {
    mx = await startFakeMx();
    harness = await startRelay(mx.port, { tls: 'required' });
    const client = await connectClient(harness.port);
    await client.reply();
    client.send('EHLO sender.example\r\n');
    expect(await client.reply()).toMatch(/^421 4\.7\.0 /);
    await client.closed;
    const [closed] = await harness.closedSessions(1);
    expect(closed).toMatchObject({
      reason: 'tls-failed',
      error: { code: 'WARP_ERR_RELAY_TLS_REQUIRED' },
    });
    expect(mx.messages).toHaveLength(0);
  });

  it('never upgrades under the off policy', async () => {
    mx = await startFakeMx({ tls: certificate });
    harness = await startRelay(mx.port, { tls: 'off' });
    const { ehlo } = await sendOneMessage(harness.port);
    expect(ehlo).not.toContain('STARTTLS');
    expect(mx.messages[0]?.tls).toBe(false);
  });

  it('answers an MTA that sends STARTTLS itself with 454 and goes on in plaintext', async () => {
    mx = await startFakeMx();
    harness = await startRelay(mx.port);
    const client = await connectClient(harness.port);
    await client.reply();
    client.send('EHLO s\r\n');
    await client.reply();
    client.send('STARTTLS\r\n');
    expect(await client.reply()).toMatch(/^454 4\.7\.0 /);
    client.send('NOOP\r\n');
    expect(await client.reply()).toMatch(/^250 /);
    expect(mx.commands).not.toContain('STARTTLS');
  });
});
