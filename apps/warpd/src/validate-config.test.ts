import { describe, expect, it } from 'vitest';
import { formatIssues, validateConfig } from './validate-config';

describe('validateConfig', () => {
  it('accepts the empty configuration and a full one', () => {
    expect(validateConfig({}).ok).toBe(true);
    const full = {
      listen: ['127.0.0.1:10025', '[::1]:10025'],
      nodeId: 'mx-out-1',
      egress: ['192.0.2.10', '2001:db8::10'],
      tls: { policy: 'required', brokenTtlSeconds: 600, caFile: '/etc/ssl/extra.pem' },
      relayBdat: false,
      io: 'native',
      maxSessions: 500,
      timeouts: { connect: 30, dataEnd: 600 },
      shutdownGraceSeconds: 10,
      log: { level: 'debug' },
      rules: { mtaUser: 'postfix', smtpPort: 25 },
      plugins: [{ use: '@warp/plugin-file', options: { path: 'events.jsonl' } }],
    };
    expect(validateConfig(full)).toEqual({ ok: true, config: full });
  });

  it('reports each problem with its path, what was expected and what was found', () => {
    const result = validateConfig({
      listen: ['localhost'],
      tls: { policy: 'sometimes' },
      maxSessions: 0,
      io: 'uring',
      typo: true,
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const byPath = Object.fromEntries(result.issues.map((i) => [i.path, i]));
    expect(byPath['listen[0]']?.found).toBe('"localhost"');
    expect(byPath['tls.policy']?.expected).toContain('"opportunistic"');
    expect(byPath['tls.policy']?.found).toBe('"sometimes"');
    expect(byPath.maxSessions?.expected).toContain('Minimum<1>');
    expect(byPath.io?.expected).toContain('"node"');
    expect(byPath.io?.found).toBe('"uring"');
    expect(byPath.typo?.expected).toBe('undefined');
    expect(formatIssues(result.issues)).toContain('tls.policy: expected');
  });
});
