import { isIPv6 } from 'node:net';
import { DEFAULT_LISTEN, parseHostPort } from './listen-address';
import type { WarpdConfig } from './warpd-config';

/**
 * The NAT rules that bend the MTA's outbound SMTP to warpd, for iptables,
 * ip6tables and nft. The owner match limits them to the MTA's user, so
 * warpd's own connections to port 25 (another user) are never redirected
 * back into it. Only loopback or wildcard listeners can be REDIRECT targets.
 */
export function firewallRules(config: WarpdConfig): string {
  const user = config.rules?.mtaUser ?? 'postfix';
  const smtpPort = config.rules?.smtpPort ?? 25;
  const listeners = (config.listen ?? [DEFAULT_LISTEN]).map(parseHostPort);
  const v4 = listeners.find((l) => !isIPv6(l.host));
  const v6 = listeners.find((l) => isIPv6(l.host));
  const lines = [
    `# warpd: redirect outbound SMTP (port ${smtpPort}) of user "${user}" to warpd.`,
    `# warpd itself must run as another user, or its own connections loop back.`,
    '',
    '# iptables / ip6tables',
  ];
  const match = `-p tcp --dport ${smtpPort} -m owner --uid-owner ${user}`;
  lines.push(
    v4
      ? `iptables -t nat -A OUTPUT ${match} -j REDIRECT --to-ports ${v4.port}`
      : '# (no IPv4 listener: IPv4 SMTP is not redirected)',
  );
  lines.push(
    v6
      ? `ip6tables -t nat -A OUTPUT ${match} -j REDIRECT --to-ports ${v6.port}`
      : '# (no IPv6 listener, add "[::1]:10025" to listen to redirect IPv6 SMTP)',
  );
  lines.push(
    '',
    '# nft',
    'nft add table inet warp',
    "nft 'add chain inet warp output { type nat hook output priority -100; }'",
  );
  const rule = `meta skuid "${user}" tcp dport ${smtpPort}`;
  if (v4)
    lines.push(`nft add rule inet warp output meta nfproto ipv4 ${rule} redirect to :${v4.port}`);
  if (v6)
    lines.push(`nft add rule inet warp output meta nfproto ipv6 ${rule} redirect to :${v6.port}`);
  return `${lines.join('\n')}\n`;
}
