// Real TPROXY between two namespaces joined by a veth pair: the client routes
// documentation prefixes to the proxy namespace, whose nftables prerouting
// rule hands port 25 to the transparent listener. Needs root and `ip netns`;
// fails loudly without them (see NetnsSandbox.assertUsable).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetnsSandbox, type RunningFixture } from './internal/netns-sandbox';

const TPROXY_RULES = `
table inet warp_tproxy {
  chain prerouting {
    type filter hook prerouting priority mangle;
    ip daddr 198.51.100.0/24 tcp dport 25 tproxy ip to :10025 meta mark set 1 accept
    ip6 daddr 2001:db8:2::/64 tcp dport 25 tproxy ip6 to :10025 meta mark set 1 accept
  }
}
`;

let client: NetnsSandbox | undefined;
let proxy: NetnsSandbox | undefined;

function namespaces(): { client: NetnsSandbox; proxy: NetnsSandbox } {
  if (!client || !proxy) throw new Error('namespaces were not created (see beforeAll)');
  return { client, proxy };
}

beforeAll(() => {
  NetnsSandbox.assertUsable();
  NetnsSandbox.removeStale();
  client = NetnsSandbox.create([]);
  proxy = NetnsSandbox.create([]);
  client.exec('ip', [
    'link',
    'add',
    'c0',
    'type',
    'veth',
    'peer',
    'name',
    'p0',
    'netns',
    proxy.name,
  ]);
  for (const [sandbox, link, v4, v6] of [
    [client, 'c0', '203.0.113.1/24', '2001:db8:1::1/64'],
    [proxy, 'p0', '203.0.113.2/24', '2001:db8:1::2/64'],
  ] as const) {
    sandbox.exec('ip', ['address', 'add', v4, 'dev', link]);
    sandbox.exec('ip', ['address', 'add', v6, 'dev', link, 'nodad']);
    sandbox.exec('ip', ['link', 'set', link, 'up']);
  }
  client.exec('ip', ['route', 'add', '198.51.100.0/24', 'via', '203.0.113.2']);
  client.exec('ip', ['-6', 'route', 'add', '2001:db8:2::/64', 'via', '2001:db8:1::2']);
  proxy.exec('nft', ['-f', '-'], TPROXY_RULES);
  // Marked packets are delivered locally, to whichever transparent socket matches.
  for (const [family, everything] of [
    ['-4', '0.0.0.0/0'],
    ['-6', '::/0'],
  ]) {
    proxy.exec('ip', [family!, 'rule', 'add', 'fwmark', '1', 'lookup', '100']);
    proxy.exec('ip', [family!, 'route', 'add', 'local', everything!, 'dev', 'lo', 'table', '100']);
  }
});

afterAll(() => NetnsSandbox.deleteAll([client, proxy]));

async function nextLine(fixture: RunningFixture): Promise<unknown> {
  const { value, done } = await fixture.lines.next();
  if (done) throw new Error(`tproxy-probe exited (code ${fixture.child.exitCode}) without a line`);
  return JSON.parse(value);
}

describe('listenTransparent under TPROXY', () => {
  it.each([
    ['IPv4', '0.0.0.0', '198.51.100.7', '203.0.113.1'],
    ['IPv6', '::', '2001:db8:2::7', '2001:db8:1::1'],
  ])(
    'accepts a %s connection whose local address is the original destination',
    async (_, host, destination, source) => {
      const running = namespaces().proxy.start('tproxy-probe', { listen: { host, port: 10025 } });
      try {
        expect(await nextLine(running)).toMatchObject({ event: 'listening', transparent: true });
        const dialled = await namespaces().client.run('connect-probe', {
          connect: { host: destination, port: 25 },
        });
        expect(dialled).toEqual({ connected: true, local: source });
        expect(await nextLine(running)).toEqual({
          event: 'accepted',
          local: { address: destination, port: 25 },
          remote: { address: source },
        });
      } finally {
        running.child.kill();
      }
    },
  );

  it('reports EADDRINUSE with the errno name when the port is taken', async () => {
    const first = namespaces().proxy.start('tproxy-probe', {
      listen: { host: '0.0.0.0', port: 10026 },
    });
    try {
      expect(await nextLine(first)).toMatchObject({ event: 'listening' });
      const second = namespaces().proxy.start('tproxy-probe', {
        listen: { host: '0.0.0.0', port: 10026 },
      });
      expect(await nextLine(second)).toMatchObject({
        event: 'failed',
        error: {
          code: 'WARP_ERR_ORIGINAL_DST_SYSCALL_FAILED',
          errno: 'EADDRINUSE',
          syscall: 'bind',
        },
      });
    } finally {
      first.child.kill();
    }
  });
});
