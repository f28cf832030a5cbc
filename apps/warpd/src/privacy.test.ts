import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { quietLog, sendSession, startFakeMx } from './internal/fake-mx';
import { startDaemon } from './run-daemon';

describe('warpd privacy', () => {
  it('applies the configured address mode to the events every plugin receives', async () => {
    const eventsFile = join(mkdtempSync(join(tmpdir(), 'warpd-privacy-')), 'events.jsonl');
    const mx = await startFakeMx();
    const daemon = await startDaemon(
      {
        listen: ['127.0.0.1:0'],
        fixedDestination: `127.0.0.1:${mx.port}`,
        privacy: { addresses: 'domain-only' },
        plugins: [{ use: '@warp/plugin-file', options: { path: eventsFile } }],
      },
      { logDestination: quietLog },
    );
    const replies = await sendSession(Number(daemon.addresses[0]?.split(':')[1]), [
      'MAIL FROM:<alice.secret@sender.example>',
      'RCPT TO:<bob.secret@rcpt.example>',
    ]);
    await daemon.stop();
    mx.server.close();

    expect(replies).toContain('250 2.1.0 Ok');
    const events = readFileSync(eventsFile, 'utf8');
    expect(events).toContain('sender.example');
    expect(events).toContain('rcpt.example');
    expect(events).not.toContain('alice.secret');
    expect(events).not.toContain('bob.secret');
  });

  it('refuses to start with address hashing but no key', async () => {
    await expect(
      startDaemon(
        { listen: ['127.0.0.1:0'], privacy: { addresses: 'hash' }, plugins: [] },
        { logDestination: quietLog },
      ),
    ).rejects.toMatchObject({ code: 'WARP_ERR_STORE_PRIVACY_OPTIONS' });
  });
});
