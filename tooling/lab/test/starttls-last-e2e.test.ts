import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverAll, endsWith, labMessage } from '../src/deliveries';
import { probeEhlo, replyLines } from '../src/ehlo-probe';
import { type Lab, startLab, waitFor } from '../src/lab';
import { LAB_ADDRESSES } from '../src/lab-network';
import { reconfigure } from '../src/postfix-instance';

// Postfix lists these after STARTTLS; without them STARTTLS is the last line
// of its EHLO reply, the case where removing it must turn the line before
// into the `250 ` (last) line.
const AFTER_STARTTLS = 'enhancedstatuscodes, 8bitmime, dsn, smtputf8, chunking';

let lab: Lab;
/** The MX's own EHLO reply, read without warpd (root's connections are not redirected). */
let direct: string[];

beforeAll(async () => {
  lab = await startLab({
    mxSettings: [`smtpd_discard_ehlo_keywords = silent-discard, ${AFTER_STARTTLS}`],
  });
  // The sending Postfix logs its whole SMTP dialogue with the MX address,
  // so the test reads the EHLO reply it really got.
  await reconfigure(lab.sender, [`debug_peer_list = ${LAB_ADDRESSES.mx}`, 'debug_peer_level = 1']);
  direct = replyLines(await probeEhlo(lab.network.sender, LAB_ADDRESSES.mx));
}, 300_000);

afterAll(async () => {
  await lab?.stop();
});

const tlsUpgrades = () => lab.warpd.events('tls.upgraded').length;

/** Every EHLO reply the sending Postfix's smtp client logged (debug_peer_list), oldest first. */
function ehloRepliesSeenBySender(): string[][] {
  const replies: string[][] = [];
  let current: string[] | null = null;
  for (const line of lab.sender.log().split('\n')) {
    if (/postfix\/smtp\[\d+\]: > \S+: EHLO /.test(line)) {
      current = [];
      replies.push(current);
      continue;
    }
    const reply = /postfix\/smtp\[\d+\]: < \S+: (\d{3}[ -].*)$/.exec(line)?.[1];
    if (current && reply !== undefined) {
      current.push(reply);
      if (reply[3] === ' ') current = null;
    }
  }
  return replies;
}

/** A multi-line 250 reply as RFC 5321 4.2.1 wants it: `250-` on every line but the last, `250 ` on the last. */
function expectWellFormed(lines: string[]): void {
  expect(lines.length).toBeGreaterThan(1);
  for (const line of lines.slice(0, -1)) expect(line).toMatch(/^250-/);
  expect(lines.at(-1)).toMatch(/^250 /);
}

describe('lab: an MX whose EHLO reply ends in 250 STARTTLS', () => {
  it('the MX really ends its EHLO reply with 250 STARTTLS', () => {
    expectWellFormed(direct);
    expect(direct.at(-1)).toBe('250 STARTTLS');
  });

  it('warpd answers an MTA (uid postfix, redirected) with a well-formed reply without STARTTLS, after upgrading the MX leg', async () => {
    const upgradesBefore = tlsUpgrades();
    const raw = await probeEhlo(lab.network.sender, LAB_ADDRESSES.mx, { user: 'postfix' });
    expect(raw.endsWith('\r\n')).toBe(true);
    const lines = replyLines(raw);
    expectWellFormed(lines);
    expect(raw).not.toMatch(/STARTTLS/i);
    // The reply of the EHLO inside TLS, so warpd did upgrade for this session
    // (its log is written asynchronously).
    await waitFor('tls.upgraded in the warpd log', () => tlsUpgrades() === upgradesBefore + 1);
  });

  it('delivers byte-identically with TLS on the MX leg while the sending Postfix sees neither STARTTLS nor a malformed reply', async () => {
    const original = labMessage(
      'starttls last',
      'STARTTLS was the last line of the MX.\n',
      'rcpt@example.net',
      '7bit', // the MX offers no 8BITMIME
    );
    const [file] = await deliverAll(lab, [{ body: original }]);
    expect(endsWith(file, original)).toBe(true);
    expect(file?.toString()).toMatch(/\(using TLSv1\.[23] with cipher/);
    expect(lab.sender.log()).not.toMatch(/TLS connection established/);
    const seen = ehloRepliesSeenBySender();
    expect(seen.length).toBeGreaterThan(0);
    for (const reply of seen) {
      expectWellFormed(reply);
      expect(reply.join('\n')).not.toMatch(/STARTTLS/i);
    }
  });

  it('with TLS off, warpd removes the last line STARTTLS and makes the line before it the last one', async () => {
    await lab.warpd.stop();
    await lab.restartWarpd({ tls: { policy: 'off' } });
    const lines = replyLines(
      await probeEhlo(lab.network.sender, LAB_ADDRESSES.mx, { user: 'postfix' }),
    );
    // Byte-identical to the MX's reply except for the removed line and the one continuation mark.
    const kept = direct.slice(0, -1);
    expect(lines).toEqual([...kept.slice(0, -1), `250 ${kept.at(-1)?.slice(4)}`]);

    const repliesBefore = ehloRepliesSeenBySender().length;
    const original = labMessage(
      'starttls last, tls off',
      'Plaintext on both legs.\n',
      'rcpt@example.net',
      '7bit',
    );
    const [file] = await deliverAll(lab, [{ body: original }]);
    expect(endsWith(file, original)).toBe(true);
    expect(file?.toString()).not.toMatch(/using TLS/);
    const seen = ehloRepliesSeenBySender().slice(repliesBefore);
    expect(seen).toContainEqual(lines);
    expect(await lab.mx.queueEmpty()).toBe(true);
  });
});
