// Real NAT in real network namespaces: iptables-nft and nftables REDIRECT and
// DNAT rules in the OUTPUT chain, as warp's deployment uses them. Needs root
// and `ip netns`; fails loudly without them (see NetnsSandbox.assertUsable).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetnsSandbox } from './internal/netns-sandbox';

const ADDRESSES = [
  '192.0.2.25/32',
  '192.0.2.26/32',
  '192.0.2.27/32',
  '2001:db8::25/128',
  '2001:db8::26/128',
];
/** The MTA's user in the owner-match rules: nobody, as root (the proxy) must not match. */
const MTA_UID = 65534;

// Appended to `-t nat -A OUTPUT -p tcp`. Port 25 is REDIRECTed to the listener
// on 10025; port 587 is DNATed to the second local address, port 10026;
// 192.0.2.27 port 25 is redirected only for the MTA's user (owner match).
const IPTABLES_RULES = [
  'iptables -d 192.0.2.25 --dport 25 -j REDIRECT --to-ports 10025',
  'ip6tables -d 2001:db8::25 --dport 25 -j REDIRECT --to-ports 10025',
  'iptables -d 192.0.2.25 --dport 587 -j DNAT --to-destination 192.0.2.26:10026',
  'ip6tables -d 2001:db8::25 --dport 587 -j DNAT --to-destination [2001:db8::26]:10026',
  `iptables -d 192.0.2.27 --dport 25 -m owner --uid-owner ${MTA_UID} -j REDIRECT --to-ports 10025`,
];

const NFT_RULES = `
table ip warp_nat {
  chain output {
    type nat hook output priority -100;
    ip daddr 192.0.2.25 tcp dport 25 redirect to :10025
    ip daddr 192.0.2.25 tcp dport 587 dnat to 192.0.2.26:10026
    ip daddr 192.0.2.27 tcp dport 25 meta skuid ${MTA_UID} redirect to :10025
  }
}
table ip6 warp_nat {
  chain output {
    type nat hook output priority -100;
    ip6 daddr 2001:db8::25 tcp dport 25 redirect to :10025
    ip6 daddr 2001:db8::25 tcp dport 587 dnat to [2001:db8::26]:10026
  }
}
`;

const sandboxes: Record<'iptables' | 'nft' | 'plain', NetnsSandbox | undefined> = {
  iptables: undefined,
  nft: undefined,
  plain: undefined,
};

function sandbox(name: keyof typeof sandboxes): NetnsSandbox {
  const found = sandboxes[name];
  if (!found) throw new Error(`namespace ${name} was not created (see beforeAll)`);
  return found;
}

beforeAll(() => {
  NetnsSandbox.assertUsable();
  NetnsSandbox.removeStale();
  sandboxes.iptables = NetnsSandbox.create(ADDRESSES);
  for (const rule of IPTABLES_RULES) {
    const [command = '', ...match] = rule.split(' ');
    sandboxes.iptables.exec(command, ['-t', 'nat', '-A', 'OUTPUT', '-p', 'tcp', ...match]);
  }
  sandboxes.nft = NetnsSandbox.create(ADDRESSES);
  sandboxes.nft.exec('nft', ['-f', '-'], NFT_RULES);
  sandboxes.plain = NetnsSandbox.create(ADDRESSES);
});

afterAll(() => NetnsSandbox.deleteAll(Object.values(sandboxes)));

/** A redirected connection: where the probe listens and dials, and what it must read back. */
interface RedirectCase {
  does: string;
  listen: { host: string; port: number };
  dial: { host: string; port: number };
  /** The accepted socket's local address as Node reports it. */
  local: string;
  family: 4 | 6;
  passFd?: boolean;
  clientUid?: number;
}

const REDIRECT_V4 = {
  listen: { host: '127.0.0.1', port: 10025 },
  dial: { host: '192.0.2.25', port: 25 },
};
const REDIRECT_V6 = {
  listen: { host: '::1', port: 10025 },
  dial: { host: '2001:db8::25', port: 25 },
};

const REDIRECT_CASES: RedirectCase[] = [
  {
    does: 'the IPv4 destination of a REDIRECTed connection',
    ...REDIRECT_V4,
    local: '127.0.0.1',
    family: 4,
  },
  {
    does: 'the IPv6 destination of a REDIRECTed connection',
    ...REDIRECT_V6,
    local: '::1',
    family: 6,
  },
  {
    does: 'an IPv4 destination for a v4-mapped connection on a dual-stack listener',
    ...REDIRECT_V4,
    listen: { host: '::', port: 10025 },
    local: '::ffff:127.0.0.1',
    family: 4,
  },
  {
    does: 'the IPv6 destination on a dual-stack listener',
    ...REDIRECT_V6,
    listen: { host: '::', port: 10025 },
    local: '::1',
    family: 6,
  },
  {
    does: 'the pre-DNAT destination of a connection DNATed to a second local IPv4 address',
    listen: { host: '192.0.2.26', port: 10026 },
    dial: { host: '192.0.2.25', port: 587 },
    local: '192.0.2.26',
    family: 4,
  },
  {
    does: 'the pre-DNAT destination of a connection DNATed to a second local IPv6 address',
    listen: { host: '2001:db8::26', port: 10026 },
    dial: { host: '2001:db8::25', port: 587 },
    local: '2001:db8::26',
    family: 6,
  },
  {
    does: 'the destination read from a raw file descriptor',
    ...REDIRECT_V4,
    local: '127.0.0.1',
    family: 4,
    passFd: true,
  },
];

async function expectRedirected(rules: 'iptables' | 'nft', kase: RedirectCase): Promise<void> {
  const { listen, dial, passFd, clientUid } = kase;
  const outcome = await sandbox(rules).probe({ listen, connect: dial, passFd, clientUid });
  expect(outcome.local).toEqual({ address: kase.local, port: listen.port });
  expect(outcome.destination).toEqual({ address: dial.host, port: dial.port, family: kase.family });
}

describe.each(['iptables', 'nft'] as const)('getOriginalDestination with %s rules', (rules) => {
  // [title, case] pairs: vitest quotes and truncates $does, not a %s title.
  it.each(REDIRECT_CASES.map((kase) => [kase.does, kase] as const))('returns %s', (_, kase) =>
    expectRedirected(rules, kase),
  );

  it.each([
    ['IPv4', '127.0.0.1'],
    ['IPv6', '::1'],
  ])('refuses a direct %s connection whose destination is the listener itself', async (_, host) => {
    const outcome = await sandbox(rules).probe({
      listen: { host, port: 10025 },
      connect: { host, port: 10025 },
    });
    expect(outcome.ok).toBe(false);
    expect(outcome.error).toMatchObject({ code: 'WARP_ERR_ORIGINAL_DST_NOT_REDIRECTED' });
    expect(outcome.error?.message).toContain(
      `original destination is this listener itself (${host} port 10025)`,
    );
  });
});

describe.each(['iptables', 'nft'] as const)('an owner-matched %s rule', (rules) => {
  it("redirects the MTA user's connection to the proxy", () =>
    expectRedirected(rules, {
      does: 'owner match',
      listen: { host: '127.0.0.1', port: 10025 },
      dial: { host: '192.0.2.27', port: 25 },
      local: '127.0.0.1',
      family: 4,
      clientUid: MTA_UID,
    }));

  it("leaves the proxy's own connection to port 25 alone, so it reaches the real MX", async () => {
    const outcome = await sandbox(rules).probe({
      listen: { host: '192.0.2.27', port: 25 },
      connect: { host: '192.0.2.27', port: 25 },
    });
    expect(outcome.local).toEqual({ address: '192.0.2.27', port: 25 });
    expect(outcome.error).toMatchObject({ code: 'WARP_ERR_ORIGINAL_DST_NOT_REDIRECTED' });
  });
});

describe('getOriginalDestination without NAT rules', () => {
  it.each([
    ['IPv4', '192.0.2.25'],
    ['IPv6', '2001:db8::25'],
  ])('refuses a %s connection that has no NAT entry (ENOENT)', async (_, host) => {
    const outcome = await sandbox('plain').probe({
      listen: { host, port: 10025 },
      connect: { host, port: 10025 },
    });
    expect(outcome.ok).toBe(false);
    expect(outcome.error).toMatchObject({
      code: 'WARP_ERR_ORIGINAL_DST_NOT_REDIRECTED',
      errno: 'ENOENT',
      syscall: 'getsockopt',
    });
  });
});
