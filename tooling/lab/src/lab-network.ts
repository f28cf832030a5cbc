import { run, runIn } from './run-command';

/** The lab's addresses: documentation ranges only (RFC 5737, RFC 3849). */
export const LAB_ADDRESSES = {
  sender: '192.0.2.10',
  mx: '198.51.100.25',
  sender6: '2001:db8::10',
  mx6: '2001:db8::25',
} as const;

/** Two network namespaces joined by a veth pair: a sending host and an MX host. */
export interface LabNetwork {
  sender: string;
  mx: string;
  /** The sender's end of the veth pair (for `tc` shaping). */
  senderLink: string;
  destroy(): Promise<void>;
}

/**
 * Creates `warp-lab-snd-<tag>` (192.0.2.10; with `ipv6` also 2001:db8::10)
 * and `warp-lab-mx-<tag>` (198.51.100.25; 2001:db8::25), linked by a veth
 * pair with on-link routes to each other (IPv6: one /64). Nothing else is
 * reachable from them.
 */
export async function createLabNetwork(
  tag: string,
  options: { ipv6?: boolean } = {},
): Promise<LabNetwork> {
  const sender = `warp-lab-snd-${tag}`;
  const mx = `warp-lab-mx-${tag}`;
  const vethSender = `wl${tag}s`.slice(0, 15);
  const vethMx = `wl${tag}m`.slice(0, 15);
  const network: LabNetwork = {
    sender,
    mx,
    senderLink: vethSender,
    destroy: async () => {
      for (const ns of [sender, mx]) await run('ip', ['netns', 'delete', ns]).catch(() => {});
    },
  };
  try {
    await run('ip', ['netns', 'add', sender]);
    await run('ip', ['netns', 'add', mx]);
    await run('ip', [
      'link',
      'add',
      vethSender,
      'netns',
      sender,
      'type',
      'veth',
      'peer',
      'name',
      vethMx,
      'netns',
      mx,
    ]);
    for (const [ns, dev, address, address6, peerNet] of [
      [sender, vethSender, `${LAB_ADDRESSES.sender}/24`, LAB_ADDRESSES.sender6, '198.51.100.0/24'],
      [mx, vethMx, `${LAB_ADDRESSES.mx}/24`, LAB_ADDRESSES.mx6, '192.0.2.0/24'],
    ] as const) {
      await runIn(ns, 'ip', ['link', 'set', 'lo', 'up']);
      await runIn(ns, 'ip', ['addr', 'add', address, 'dev', dev]);
      // nodad: usable at once, not after duplicate address detection.
      if (options.ipv6)
        await runIn(ns, 'ip', ['-6', 'addr', 'add', `${address6}/64`, 'dev', dev, 'nodad']);
      await runIn(ns, 'ip', ['link', 'set', dev, 'up']);
      await runIn(ns, 'ip', ['route', 'add', peerNet, 'dev', dev]);
    }
  } catch (error) {
    await network.destroy();
    throw error;
  }
  return network;
}
