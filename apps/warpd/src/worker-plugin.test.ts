import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { quietLog, sendSession, startFakeMx } from './internal/fake-mx';
import { startDaemon } from './run-daemon';
import { validateConfig } from './validate-config';

const recorder = fileURLToPath(
  new URL('../../../packages/hooks/src/__fixtures__/worker-recorder.mjs', import.meta.url),
);

describe('warpd with a plugin in a worker thread', () => {
  it('accepts "worker": true and hands that plugin every event in its own thread', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'warpd-worker-')), 'events.log');
    const config = {
      listen: ['127.0.0.1:0'],
      plugins: [{ use: recorder, options: { path }, worker: true }],
    };
    expect(validateConfig(config).ok).toBe(true);
    const mx = await startFakeMx();
    const daemon = await startDaemon(
      { ...config, nodeId: 'w1', fixedDestination: `127.0.0.1:${mx.port}` },
      { logDestination: quietLog },
    );
    await sendSession(Number(daemon.addresses[0]?.split(':')[1]), [
      'MAIL FROM:<a@sender.example>',
      'RCPT TO:<b@rcpt.example>',
    ]);
    await daemon.stop();
    mx.server.close();
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('init w1 thread=true');
    expect(lines.at(-1)).toBe('close');
    const types = lines.slice(1, -1).map((line) => line.split(' ')[0]);
    expect(types[0]).toBe('session.opened');
    expect(types).toContain('reply.received');
    expect(types).toContain('transaction.completed');
    expect(types.at(-1)).toBe('session.closed');
  });
});
