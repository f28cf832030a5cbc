import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCertificate } from '../src/certificate';
import { type EximMx, startEximMx } from '../src/exim-mx';
import { createEximSender, type EximSender, ensureExim } from '../src/exim-sender';
import { type Lab, startLab, waitFor } from '../src/lab';
import { LAB_ADDRESSES } from '../src/lab-network';
import { deliveredFiles, deliveredNames } from '../src/postfix-instance';
import { applyRules } from '../src/warpd-process';

let lab: Lab;
let exim: EximSender;
let eximMx: EximMx;
let toEximMx: EximSender;

beforeAll(async () => {
  lab = await startLab();
  // The NAT rule names the Debian-exim user, which the Exim setup creates.
  await ensureExim();
  // Exim's remote deliveries run as Debian-exim: redirect that user too.
  const rulesConfig = join(lab.dir, 'rules-exim.json');
  writeFileSync(rulesConfig, JSON.stringify({ rules: { mtaUser: 'Debian-exim' } }));
  await applyRules(lab.network.sender, rulesConfig);
  exim = await createEximSender(lab.network.sender, join(lab.dir, 'exim'), LAB_ADDRESSES.mx);
  // A second real MX: Exim (STARTTLS in the middle of its EHLO reply, PIPECONNECT, CHUNKING).
  const cert = await makeCertificate(lab.dir, 'exim-mx.example.net');
  eximMx = await startEximMx(lab.network.mx, join(lab.dir, 'exim-mx'), '198.51.100.26', cert);
  toEximMx = await createEximSender(
    lab.network.sender,
    join(lab.dir, 'exim-to-exim'),
    '198.51.100.26',
  );
}, 300_000);

afterAll(async () => {
  await eximMx?.stop();
  await lab?.stop();
});

describe('lab interop: Exim as the sender (BDAT through warpd)', () => {
  it('delivers with CHUNKING/BDAT byte-identically and Exim sees the MX accept it', async () => {
    const body =
      `Exim through warp with BDAT.\n.\n..leading dots\nGr\u00fc\u00dfe \u{1F680}\n${'x'.repeat(70)}\n`.repeat(
        200,
      );
    const original = Buffer.from(
      `From: exim@example.org\nTo: rcpt@example.net\nSubject: exim bdat\nMessage-ID: <exim-${process.pid}@example.org>\n\n${body}`,
    );
    const seen = new Set(deliveredNames(lab.mx));
    await exim.send('exim@example.org', ['rcpt@example.net'], original);
    await waitFor('delivery at the MX', () => deliveredNames(lab.mx).length > seen.size);
    const file = deliveredFiles(lab.mx, seen)[0] as Buffer;
    expect(file.subarray(-Buffer.byteLength(body)).toString()).toBe(body);
    expect(exim.log()).toMatch(/=> rcpt@example\.net .*C="250 2\.0\.0 Ok/);
    const bdat = lab.warpd
      .logs()
      .some(
        (l) => (l.event as { command?: { verb?: string } } | undefined)?.command?.verb === 'BDAT',
      );
    expect(bdat).toBe(true);
    expect(await lab.mx.queueEmpty()).toBe(true);
  });
});

describe('lab interop: Exim as the MX', () => {
  it('delivers Exim to Exim through warpd: TLS on the MX leg, none on the sender leg, BDAT, byte-identical body', async () => {
    const body = 'To the Exim MX.\n.\n..two dots\n\u00e9t\u00e9\nMAIL FROM:<x@example.org>\n';
    const message = Buffer.from(
      `From: exim@example.org\nTo: rcpt@example.net\nSubject: exim to exim\n\n${body}`,
    );
    await toEximMx.send('exim@example.org', ['rcpt@example.net'], message);
    await waitFor('delivery at the Exim MX', () => eximMx.delivered().length > 0);
    const file = eximMx.delivered()[0] as Buffer;
    expect(file.subarray(-Buffer.byteLength(body)).toString()).toBe(body);
    expect(eximMx.log()).toMatch(/<= exim@example\.org .* P=esmtps X=TLS1\.[23]/);
    const delivery =
      toEximMx
        .log()
        .split('\n')
        .find((line) => line.includes('=> rcpt@example.net')) ?? '';
    expect(delivery).toMatch(/ K C="250/);
    expect(delivery).not.toMatch(/ X=/);
  });
});
