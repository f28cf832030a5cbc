import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverAll, endsWith, labMessage } from '../src/deliveries';
import { type Lab, startLab } from '../src/lab';
import { LAB_ADDRESSES } from '../src/lab-network';

let lab: Lab;

beforeAll(async () => {
  lab = await startLab({ ipv6: true });
}, 300_000);

afterAll(async () => {
  await lab?.stop();
});

describe('lab: IPv6, real Postfix through warpd (ip6tables REDIRECT) to a real Postfix MX', () => {
  it('delivers byte-identically over IPv6, TLS on the MX leg only', async () => {
    const original = labMessage('ipv6', 'Over 2001:db8::/32 through warp.\n');
    const [file] = await deliverAll(lab, [{ body: original }]);
    expect(endsWith(file, original)).toBe(true);
    // The MX's Received header: the client it saw and the TLS it spoke.
    expect(file?.toString()).toContain(`[IPv6:${LAB_ADDRESSES.sender6}]`);
    expect(file?.toString()).toMatch(/\(using TLSv1\.[23] with cipher/);
    expect(lab.sender.log()).toMatch(
      new RegExp(`relay=${LAB_ADDRESSES.mx6}\\[${LAB_ADDRESSES.mx6}\\]:25,.* status=sent`),
    );
    expect(lab.sender.log()).not.toMatch(/TLS connection established/);

    // warpd took it on its IPv6 listener (REDIRECT keeps the MTA's source
    // address) and read the original IPv6 destination (IP6T_SO_ORIGINAL_DST).
    expect(lab.warpd.events('session.opened')).toContainEqual(
      expect.objectContaining({
        client: expect.objectContaining({ address: LAB_ADDRESSES.sender6 }),
        destination: { address: LAB_ADDRESSES.mx6, port: 25 },
        egress: expect.objectContaining({ address: LAB_ADDRESSES.sender6 }),
      }),
    );
    expect(lab.warpd.events('tls.upgraded').length).toBeGreaterThan(0);
  });

  it('leaves both queues empty', async () => {
    expect(await lab.sender.queueEmpty()).toBe(true);
    expect(await lab.mx.queueEmpty()).toBe(true);
  });
});
