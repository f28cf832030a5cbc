import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverAll, endsWith, labMessage } from '../src/deliveries';
import { type Lab, startLab } from '../src/lab';

let lab: Lab;

beforeAll(async () => {
  lab = await startLab();
}, 300_000);

afterAll(async () => {
  await lab?.stop();
});

describe('lab: real Postfix through warpd to a real Postfix MX', () => {
  it('delivers a single message byte-identically, over TLS on the MX side only', async () => {
    const original = labMessage('single', 'Hello through warp.\n');
    const [file] = await deliverAll(lab, [{ body: original }]);
    expect(endsWith(file, original)).toBe(true);
    expect(file?.toString()).toMatch(/\(using TLSv1\.[23] with cipher/);
    expect(lab.sender.log()).not.toMatch(/TLS connection established/);
    expect(lab.warpd.events('tls.upgraded').length).toBeGreaterThan(0);
  });

  it('delivers a multi-recipient message to every recipient', async () => {
    const original = labMessage(
      'multi',
      'One message, three recipients.\n',
      'a@example.net, b@example.net, c@example.net',
    );
    const files = await deliverAll(lab, [
      { body: original, to: ['a@example.net', 'b@example.net', 'c@example.net'] },
    ]);
    expect(files).toHaveLength(3);
    for (const file of files) expect(endsWith(file, original)).toBe(true);
    expect(files.map((f) => /^Delivered-To: (\S+)/m.exec(f.toString())?.[1]).sort()).toEqual([
      'a@example.net',
      'b@example.net',
      'c@example.net',
    ]);
  });

  it('keeps 8-bit UTF-8, dot-stuffing edges and body lines that look like SMTP commands intact', async () => {
    const body = [
      'Gr\u00fc\u00dfe aus M\u00fcnchen, \u65e5\u672c\u8a9e, emoji \u{1F680}',
      '.',
      '..',
      '...',
      '. leading dot and space',
      '.\t tab after a leading dot',
      'MAIL FROM:<evil@example.org>',
      'RCPT TO:<victim@example.net>',
      'DATA',
      'QUIT',
      'RSET',
      '',
      '.',
      'last line',
      '',
    ].join('\n');
    const original = labMessage('edges', body);
    const [file] = await deliverAll(lab, [{ body: original }]);
    expect(file?.subarray(-original.length).toString('latin1')).toBe(original.toString('latin1'));
  });

  it('delivers a 5 MB message intact', async () => {
    const line = `${'0123456789abcdefghijklmnopqrstuvwxyz'.repeat(2)}\n`;
    const original = labMessage('big', line.repeat(Math.ceil((5 * 1024 * 1024) / line.length)));
    const [file] = await deliverAll(lab, [{ body: original }]);
    expect(file?.length).toBeGreaterThan(5 * 1024 * 1024);
    expect(endsWith(file, original)).toBe(true);
  });

  it('carries several transactions on one connection', async () => {
    const originals = Array.from({ length: 6 }, (_, i) =>
      labMessage(`batch ${i}`, `message ${i}\n`),
    );
    const closedBefore = lab.warpd.logs().filter((l) => l.msg === 'transaction.completed').length;
    const files = await deliverAll(
      lab,
      originals.map((body) => ({ body })),
    );
    for (const original of originals) expect(files.some((f) => endsWith(f, original))).toBe(true);
    const transactions = lab.warpd
      .logs()
      .filter((l) => l.msg === 'transaction.completed')
      .slice(closedBefore)
      .map((l) => l.event as { sessionId: string; outcome: string });
    expect(
      transactions.map(
        (t) => `${t.outcome} ${JSON.stringify((t as { finalReply?: unknown }).finalReply)}`,
      ),
    ).toEqual(originals.map(() => expect.stringMatching(/^delivered/)));
    const perSession = new Map<string, number>();
    for (const t of transactions)
      perSession.set(t.sessionId, (perSession.get(t.sessionId) ?? 0) + 1);
    expect(Math.max(...perSession.values())).toBeGreaterThan(1);
  });

  it('leaves both queues empty', async () => {
    expect(await lab.sender.queueEmpty()).toBe(true);
    expect(await lab.mx.queueEmpty()).toBe(true);
  });
});
