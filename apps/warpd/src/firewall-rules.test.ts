import { describe, expect, it } from 'vitest';
import { firewallRules } from './firewall-rules';

describe('firewallRules', () => {
  it('redirects only the MTA user with an owner match, to the listen port', () => {
    const rules = firewallRules({ listen: ['127.0.0.1:10025'], rules: { mtaUser: 'postfix' } });
    expect(rules).toContain(
      'iptables -t nat -A OUTPUT -p tcp --dport 25 -m owner --uid-owner postfix -j REDIRECT --to-ports 10025',
    );
    expect(rules).toContain(
      'nft add rule inet warp output meta nfproto ipv4 meta skuid "postfix" tcp dport 25 redirect to :10025',
    );
    expect(rules).not.toMatch(/^ip6tables/m);
  });

  it('adds ip6tables and nft IPv6 rules when an IPv6 listener exists', () => {
    const rules = firewallRules({
      listen: ['127.0.0.1:10025', '[::1]:10026'],
      rules: { mtaUser: 'exim' },
    });
    expect(rules).toContain(
      'ip6tables -t nat -A OUTPUT -p tcp --dport 25 -m owner --uid-owner exim -j REDIRECT --to-ports 10026',
    );
    expect(rules).toContain('meta nfproto ipv6 meta skuid "exim" tcp dport 25 redirect to :10026');
  });
});
