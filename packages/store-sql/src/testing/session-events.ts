import type { TransactionOutcome, WarpEvent } from '@warp/hooks';

/** Options of {@link sessionEvents}. */
export interface SessionScript {
  nodeId?: string;
  sessionId: string;
  /** Wall-clock start, epoch ms. Default `Date.parse('2026-11-28T12:00:00Z')`. */
  startMs?: number;
  /** Destination domain; the greeting announces `mx1.<domain>`. Default `example.net`. */
  domain?: string;
  egress?: string;
  sender?: string;
  recipients?: readonly string[];
  outcome?: TransactionOutcome;
  /** Whether STARTTLS happens (adds 2 exchanges and a `tls.upgraded`). Default true. */
  tls?: boolean;
  /** Scales every latency; default 1. */
  slowness?: number;
}

/**
 * The events of one realistic relayed session, as the relay emits them:
 * greeting, EHLO, STARTTLS + `tls.upgraded`, EHLO, MAIL, RCPT..., DATA, end
 * of data, `transaction.completed`, QUIT, `session.closed` (14 events with
 * one recipient). For tests and benchmarks of plugins.
 *
 * @example
 * ```ts
 * plugin.hooks.onEvents?.(sessionEvents({ sessionId: 's1', outcome: 'deferred' }));
 * ```
 */
export function sessionEvents(script: SessionScript): WarpEvent[] {
  const nodeId = script.nodeId ?? 'node-a';
  const sessionId = script.sessionId;
  const domain = script.domain ?? 'example.net';
  const recipients = script.recipients ?? [`rcpt@${domain}`];
  const outcome = script.outcome ?? 'delivered';
  const sender = script.sender ?? 'sender@example.org';
  const slow = script.slowness ?? 1;
  let clock = script.startMs ?? Date.parse('2026-11-28T12:00:00Z');
  let mono = 1000 + (clock % 100_000) / 7;
  const instant = (advanceMs: number) => {
    clock += advanceMs;
    mono += advanceMs;
    return { at: new Date(clock).toISOString(), monotonicMs: Number(mono.toFixed(3)) };
  };
  const base = { nodeId, sessionId };
  const events: WarpEvent[] = [
    {
      ...base,
      type: 'session.opened',
      ...instant(0),
      client: { address: '127.0.0.1', port: 40_000 },
      destination: { address: '192.0.2.25', port: 25 },
      egress: { address: script.egress ?? '198.51.100.7', port: 51_000 },
    },
  ];
  let transaction: number | null = null;
  const exchange = (
    verb: string | null,
    line: string,
    code: number,
    text: string,
    latencyMs: number,
  ) => {
    const latency = Number((latencyMs * slow).toFixed(3));
    const sent = instant(0.25);
    const done = instant(latency);
    const enhanced =
      code >= 200 && code !== 220 && code !== 354 ? `${Math.floor(code / 100)}.0.0` : undefined;
    events.push({
      ...base,
      type: 'reply.received',
      ...done,
      command: verb === null ? null : { verb, line, ...sent },
      reply: { code, ...(enhanced ? { enhanced } : {}), text, lines: [`${code} ${text}`] },
      latencyMs: latency,
      transaction,
    });
  };
  exchange(null, '', 220, `mx1.${domain} ESMTP ready`, 38.5);
  exchange('EHLO', 'EHLO relay.example.org', 250, `mx1.${domain}\nPIPELINING\nSTARTTLS`, 4.2);
  if (script.tls ?? true) {
    exchange('STARTTLS', 'STARTTLS', 220, 'Ready to start TLS', 2.1);
    events.push({
      ...base,
      type: 'tls.upgraded',
      ...instant(11.5),
      protocol: 'TLSv1.3',
      cipher: 'TLS_AES_256_GCM_SHA384',
      certificate: {
        subject: `CN=mx1.${domain}`,
        subjectAltNames: [`DNS:mx1.${domain}`],
        issuer: 'CN=Example CA',
        validFrom: '2026-01-01T00:00:00.000Z',
        validTo: '2027-01-01T00:00:00.000Z',
        fingerprint256: 'AB:CD:EF',
      },
      verified: true,
      verifyError: null,
      handshakeMs: 11.5,
    });
    exchange('EHLO', 'EHLO relay.example.org', 250, `mx1.${domain}\nPIPELINING`, 3.9);
  }
  transaction = 1;
  const mailStart = clock;
  exchange('MAIL', `MAIL FROM:<${sender}> SIZE=2048`, 250, `<${sender}> ok`, 6.3);
  const deferred = outcome === 'deferred';
  const rejected = outcome === 'rejected';
  const rcptCode = deferred ? 450 : rejected ? 550 : 250;
  const rcptText = deferred ? 'try again later' : rejected ? 'no such user' : 'recipient ok';
  for (const recipient of recipients)
    exchange('RCPT', `RCPT TO:<${recipient}>`, rcptCode, rcptText, 9.7);
  const finalReply =
    outcome === 'delivered'
      ? { code: 250, enhanced: '2.0.0', text: 'queued as 4Xyz' }
      : outcome === 'bounced'
        ? { code: 554, enhanced: '5.7.1', text: 'message refused' }
        : { code: rcptCode, enhanced: `${Math.floor(rcptCode / 100)}.0.0`, text: rcptText };
  if (!deferred && !rejected) {
    exchange('DATA', 'DATA', 354, 'go ahead', 3.3);
    exchange('.', '.', finalReply.code, finalReply.text, 48.1);
  }
  events.push({
    ...base,
    type: 'transaction.completed',
    ...instant(0.1),
    transaction: 1,
    sender,
    recipients: recipients.map((address) => ({
      address,
      reply: { code: rcptCode, enhanced: `${Math.floor(rcptCode / 100)}.0.0`, text: rcptText },
    })),
    size: deferred || rejected ? 0 : 2048,
    outcome,
    finalReply,
    decidedBy: 'server',
    durationMs: Number((clock - mailStart).toFixed(3)),
  });
  transaction = null;
  exchange('QUIT', 'QUIT', 221, 'bye', 1.2);
  const total = clock - (script.startMs ?? Date.parse('2026-11-28T12:00:00Z'));
  events.push({
    ...base,
    type: 'session.closed',
    ...instant(0.2),
    reason: 'quit',
    error: null,
    bytes: { fromClient: 2300, toClient: 600, fromServer: 640, toServer: 2350 },
    durations: {
      totalMs: total,
      connectMs: 1.5,
      connectTo354Ms: 80.2,
      tlsHandshakeMs: (script.tls ?? true) ? 11.5 : null,
    },
    transactions: 1,
  });
  return events;
}
