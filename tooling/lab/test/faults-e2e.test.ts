import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Lab, startLab, waitFor } from '../src/lab';
import { deliveredFiles, flush, processesIn, reconfigure, submit } from '../src/postfix-instance';
import { run, runIn } from '../src/run-command';

let lab: Lab;

beforeAll(async () => {
  lab = await startLab();
  // 100 Mbit/s towards the MX: a 40 MB message takes seconds, so the fault
  // lands mid-DATA however fast the machine is.
  await runIn(lab.network.sender, 'tc', [
    'qdisc',
    'add',
    'dev',
    lab.network.senderLink,
    'root',
    'tbf',
    'rate',
    '100mbit',
    'burst',
    '64kb',
    'latency',
    '200ms',
  ]);
}, 300_000);

afterAll(async () => {
  await lab?.stop();
});

function bigMessage(id: string, megabytes: number): Buffer {
  const line = `${'fault injection line '.repeat(3)}\n`;
  const headers = `From: sender@example.org\nTo: rcpt@example.net\nSubject: ${id}\nMessage-ID: <${id}@example.org>\n\n`;
  return Buffer.from(headers + line.repeat(Math.ceil((megabytes * 1024 * 1024) / line.length)));
}

function copiesOf(id: string): number {
  return deliveredFiles(lab.mx).filter((file) => file.includes(`Message-ID: <${id}@example.org>`))
    .length;
}

const deferrals = () =>
  lab.sender
    .log()
    .split('\n')
    .filter((line) => line.includes('status=deferred')).length;

async function deliveredOnceAfterRetry(id: string): Promise<void> {
  await waitFor(
    `${id} delivered after retry`,
    async () => {
      await flush(lab.sender);
      return copiesOf(id) >= 1 && (await lab.sender.queueEmpty());
    },
    120_000,
  );
  // A little longer: a second copy would show up now if the message had been sent twice.
  await new Promise((r) => setTimeout(r, 2_000));
  expect(copiesOf(id)).toBe(1);
}

async function dataStarted(): Promise<void> {
  const before = lab.warpd.logs().length;
  await waitFor('a DATA 354 in warpd logs', () =>
    lab.warpd
      .logs()
      .slice(before)
      .some((l) => {
        const event = l.event as
          | { type?: string; command?: { verb?: string }; reply?: { code?: number } }
          | undefined;
        return (
          event?.type === 'reply.received' &&
          event.command?.verb === 'DATA' &&
          event.reply?.code === 354
        );
      }),
  );
}

describe('lab faults: every message delivered exactly once or still queued, never lost', () => {
  it('survives warpd killed mid-DATA: the sender defers, and delivers once after warpd restarts', async () => {
    const deferredBefore = deferrals();
    const started = dataStarted();
    await submit(
      lab.sender,
      'sender@example.org',
      ['rcpt@example.net'],
      bigMessage('killed-warpd', 40),
    );
    await started;
    await lab.warpd.kill();
    await waitFor('the sender to defer the message', () => deferrals() > deferredBefore);
    await lab.restartWarpd();
    await deliveredOnceAfterRetry('killed-warpd');
  });

  it('survives the MX smtpd dying mid-DATA: warpd answers 4xx, the sender retries, one copy arrives', async () => {
    const deferredBefore = deferrals();
    const started = dataStarted();
    await submit(
      lab.sender,
      'sender@example.org',
      ['rcpt@example.net'],
      bigMessage('killed-smtpd', 40),
    );
    await started;
    for (const pid of await processesIn(lab.network.mx, 'smtpd'))
      await run('kill', ['-KILL', String(pid)]);
    await waitFor('the sender to defer the message', () => deferrals() > deferredBefore);
    await deliveredOnceAfterRetry('killed-smtpd');
    const closed = lab.warpd
      .logs()
      .map((l) => l.event as { type?: string; reason?: string } | undefined);
    expect(closed.some((e) => e?.type === 'session.closed' && e.reason === 'server-closed')).toBe(
      true,
    );
  });

  it('delivers in plaintext when the MX has a broken TLS setup (STARTTLS refused)', async () => {
    await reconfigure(lab.mx, [`smtpd_tls_key_file = ${lab.dir}/does-not-exist.pem`]);
    await submit(
      lab.sender,
      'sender@example.org',
      ['rcpt@example.net'],
      bigMessage('broken-tls', 0.01),
    );
    await deliveredOnceAfterRetry('broken-tls');
    const failed = lab.warpd.logs().filter((l) => l.msg === 'tls.failed');
    expect(failed.length).toBeGreaterThan(0);
  });

  it('leaves both queues empty', async () => {
    expect(await lab.sender.queueEmpty()).toBe(true);
    expect(await lab.mx.queueEmpty()).toBe(true);
  });
});
