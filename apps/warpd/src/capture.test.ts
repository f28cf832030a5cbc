import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { quietLog, sendSession, startFakeMx } from './internal/fake-mx';
import { startDaemon } from './run-daemon';
import { validateConfig } from './validate-config';
import type { WarpdConfig } from './warpd-config';

const messageId = '<msgid-7f3a9c@sender.example>';
const headerMarker = 'hdr-marker-52e1b8';
const bodyMarker = 'body-marker-c04d6e';
const message = [
  `Message-ID: ${messageId}`,
  `X-Campaign: ${headerMarker}`,
  'Subject: capture test',
  '',
  `${bodyMarker} first line`,
  '.a line that starts with a dot',
  '',
].join('\r\n');

/** Runs warpd with plugin-file at `privacy`, relays `message` once; the file's text. */
async function relayOnce(privacy: WarpdConfig['privacy']) {
  const eventsFile = join(mkdtempSync(join(tmpdir(), 'warpd-capture-')), 'events.jsonl');
  const mx = await startFakeMx();
  const daemon = await startDaemon(
    {
      listen: ['127.0.0.1:0'],
      fixedDestination: `127.0.0.1:${mx.port}`,
      ...(privacy === undefined ? {} : { privacy }),
      plugins: [{ use: '@warp/plugin-file', options: { path: eventsFile } }],
    },
    { logDestination: quietLog },
  );
  const replies = await sendSession(Number(daemon.addresses[0]?.split(':')[1]), [
    'MAIL FROM:<alice@sender.example>',
    'RCPT TO:<bob@rcpt.example>',
    'DATA',
    `${message.replace(/^\./gm, '..')}.`,
  ]);
  await daemon.stop();
  mx.server.close();
  expect(replies).toContain('250 2.0.0 Ok: queued');
  // The MX got the whole message whatever the capture level.
  expect(mx.messages).toEqual([message.replace(/^\./gm, '..')]);
  const text = readFileSync(eventsFile, 'utf8');
  const completed = text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line))
    .filter((event) => event.type === 'transaction.completed');
  expect(completed).toHaveLength(1);
  return { text, transaction: completed[0] };
}

describe('warpd message capture (plugin-file output)', () => {
  it('at the default envelope level writes no byte of the headers or the body', async () => {
    const { text, transaction } = await relayOnce(undefined);
    expect(transaction.outcome).toBe('delivered');
    expect(transaction).not.toHaveProperty('message');
    expect(text).not.toContain(bodyMarker);
    expect(text).not.toContain(headerMarker);
    expect(text).not.toContain('msgid-7f3a9c');
    expect(text).not.toContain('capture test');
  });

  it('at headers level writes the Message-ID header and no other header, no body', async () => {
    const { text, transaction } = await relayOnce({ capture: 'headers' });
    expect(transaction.message).toEqual({ headers: [{ name: 'Message-ID', value: messageId }] });
    expect(text).not.toContain(headerMarker);
    expect(text).not.toContain('capture test');
    expect(text).not.toContain(bodyMarker);
  });

  it('at full level writes the message, dot-unstuffed, within maxContentBytes', async () => {
    const { transaction } = await relayOnce({ capture: 'full' });
    expect(transaction.message.content).toBe(message);
    expect(transaction.message.contentTruncated).toBe(false);
    expect(transaction.message.headers).toContainEqual({ name: 'X-Campaign', value: headerMarker });

    const cut = await relayOnce({ capture: 'full', maxContentBytes: 40 });
    expect(cut.transaction.message.content).toBe(message.slice(0, 40));
    expect(cut.transaction.message.contentTruncated).toBe(true);
    expect(cut.text).not.toContain(bodyMarker);
  });

  it('validates privacy.maxContentBytes', () => {
    expect(validateConfig({ privacy: { capture: 'full', maxContentBytes: 65_536 } }).ok).toBe(true);
    for (const bad of [-1, 1.5, '1MiB'])
      expect(validateConfig({ privacy: { maxContentBytes: bad } }).ok).toBe(false);
  });
});
