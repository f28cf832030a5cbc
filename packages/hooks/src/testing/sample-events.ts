import type {
  SessionClosedEvent,
  SessionEvent,
  SessionOpenedEvent,
  TransactionCompletedEvent,
  WarpEvent,
} from '../events';

let clock = 0;

function instant() {
  clock += 1;
  return {
    nodeId: 'test-node',
    at: new Date(Date.UTC(2026, 0, 1, 0, 0, 0, clock)).toISOString(),
    monotonicMs: clock,
  };
}

/** A `session.opened` event for `sessionId` (documentation addresses). */
export function sessionOpened(sessionId = 's-1'): SessionOpenedEvent {
  return {
    type: 'session.opened',
    ...instant(),
    sessionId,
    client: { address: '192.0.2.10', port: 40000 },
    destination: { address: '198.51.100.25', port: 25 },
    egress: { address: '192.0.2.10', port: 50000 },
  };
}

/** A `transaction.completed` event with the given outcome. */
export function transactionCompleted(
  sessionId = 's-1',
  outcome: TransactionCompletedEvent['outcome'] = 'delivered',
): TransactionCompletedEvent {
  const finalReply =
    outcome === 'delivered'
      ? { code: 250, enhanced: '2.0.0', text: 'queued as 4ABC' }
      : outcome === 'deferred'
        ? { code: 451, enhanced: '4.7.1', text: 'try again later' }
        : { code: 550, enhanced: '5.7.1', text: 'refused' };
  return {
    type: 'transaction.completed',
    ...instant(),
    sessionId,
    transaction: 1,
    sender: 'alice@example.org',
    recipients: [
      { address: 'bob@example.net', reply: { code: 250, enhanced: '2.1.5', text: 'ok' } },
      { address: 'carol@example.net', reply: { code: 250, enhanced: '2.1.5', text: 'ok' } },
    ],
    size: 1234,
    outcome,
    finalReply,
    decidedBy: 'server',
    durationMs: 12.5,
  };
}

/** A `session.closed` event. */
export function sessionClosed(
  sessionId = 's-1',
  reason: SessionClosedEvent['reason'] = 'quit',
): SessionClosedEvent {
  return {
    type: 'session.closed',
    ...instant(),
    sessionId,
    reason,
    error: reason === 'quit' ? null : { code: 'ECONNRESET', message: 'read ECONNRESET' },
    bytes: { fromClient: 1500, toClient: 300, fromServer: 300, toServer: 1500 },
    durations: { totalMs: 40, connectMs: 2, connectTo354Ms: 20, tlsHandshakeMs: 8 },
    transactions: 1,
  };
}

/**
 * One complete session, one event of every session type, in the order the
 * relay emits them.
 */
export function sampleSession(sessionId = 's-1'): SessionEvent[] {
  const certificate = {
    subject: 'CN=mx.example.net',
    subjectAltNames: ['DNS:mx.example.net'],
    issuer: 'CN=Example CA',
    validFrom: '2026-01-01T00:00:00.000Z',
    validTo: '2027-01-01T00:00:00.000Z',
    fingerprint256: 'AA:BB',
  };
  const command = (verb: string, line: string) => ({ verb, line, ...instant() });
  const reply = (code: number, enhanced: string, text: string) => ({
    code,
    enhanced,
    text,
    lines: [`${code} ${enhanced} ${text}`],
  });
  return [
    sessionOpened(sessionId),
    {
      type: 'reply.received',
      ...instant(),
      sessionId,
      command: null,
      reply: reply(220, '2.0.0', 'mx.example.net ESMTP'),
      latencyMs: 1,
      transaction: null,
    },
    {
      type: 'tls.upgraded',
      ...instant(),
      sessionId,
      protocol: 'TLSv1.3',
      cipher: 'TLS_AES_256_GCM_SHA384',
      certificate,
      verified: false,
      verifyError: 'DEPTH_ZERO_SELF_SIGNED_CERT',
      handshakeMs: 4,
    },
    {
      type: 'reply.received',
      ...instant(),
      sessionId,
      command: command('MAIL', 'MAIL FROM:<alice@example.org>'),
      reply: reply(250, '2.1.0', 'ok'),
      latencyMs: 0.8,
      transaction: 1,
    },
    transactionCompleted(sessionId),
    {
      // A second transaction, captured at level `full` (relay option `capture`).
      ...transactionCompleted(sessionId),
      transaction: 2,
      message: {
        headers: [
          { name: 'Message-ID', value: '<sample-2@example.org>' },
          { name: 'Subject', value: 'Grüße' },
        ],
        content: 'Message-ID: <sample-2@example.org>\r\nSubject: Grüße\r\n\r\nHello Bob.\r\n',
        contentTruncated: false,
      },
    },
    {
      type: 'tls.failed',
      ...instant(),
      sessionId,
      stage: 'handshake',
      reason: 'wrong version number',
      errorCode: 'ERR_SSL_WRONG_VERSION_NUMBER',
      continuedInPlaintext: true,
    },
    sessionClosed(sessionId),
  ];
}

/** One event of every type (session events and notices). */
export function sampleEvents(): WarpEvent[] {
  return [
    ...sampleSession('s-sample'),
    {
      type: 'plugin.slow',
      ...instant(),
      plugin: 'other',
      hook: 'beforeMail',
      deadlineMs: 250,
      sessionId: 's-sample',
      fallback: 'allowed',
    },
    {
      type: 'plugin.failed',
      ...instant(),
      plugin: 'other',
      hook: 'onEvent',
      error: { name: 'Error', code: null, message: 'boom' },
      sessionId: null,
    },
    { type: 'events.dropped', ...instant(), plugin: 'other', count: 3, total: 3 },
  ];
}

/** Sample inputs for every decider hook (documentation addresses). */
export function sampleDeciderContexts() {
  const session = {
    sessionId: 's-decide',
    nodeId: 'test-node',
    client: { address: '192.0.2.10', port: 40000 },
    destination: { address: '198.51.100.25', port: 25 },
  };
  const mail = {
    ...session,
    helo: 'mta.example.org',
    sender: 'alice@example.org',
    parameters: ['SIZE=1234'],
    transaction: 1,
  };
  const bytes = new TextEncoder().encode('From: alice@example.org\r\nSubject: hi\r\n\r\nhello\r\n');
  return {
    selectEgress: { ...session, pool: ['192.0.2.20', '192.0.2.21'] },
    beforeMail: mail,
    beforeRcpt: { ...mail, recipient: 'bob@example.net', acceptedRecipients: [] },
    beforeRelay: {
      ...session,
      helo: mail.helo,
      sender: mail.sender,
      recipients: ['bob@example.net'],
      transaction: 1,
      message: {
        size: bytes.byteLength,
        async *stream() {
          yield bytes;
        },
        bytes: async () => bytes,
      },
    },
  };
}
