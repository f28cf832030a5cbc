import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { quietLog, sendSession, startFakeMx } from './internal/fake-mx';
import { startDaemon } from './run-daemon';

const pausePlugin = fileURLToPath(new URL('./__fixtures__/pause-plugin.ts', import.meta.url));

describe('warpd deciders', () => {
  it("answers the MTA with a plugin's beforeMail reply and never shows that MAIL to the MX", async () => {
    const mx = await startFakeMx();
    const daemon = await startDaemon(
      {
        listen: ['127.0.0.1:0'],
        fixedDestination: `127.0.0.1:${mx.port}`,
        plugins: [{ use: pausePlugin, options: { domain: 'paused.example' } }],
      },
      { logDestination: quietLog },
    );
    const port = Number(daemon.addresses[0]?.split(':')[1]);
    const paused = await sendSession(port, ['MAIL FROM:<a@paused.example>']);
    const allowed = await sendSession(port, ['MAIL FROM:<a@fine.example>']);
    await daemon.stop();
    mx.server.close();

    expect(paused).toContain('451 4.7.1 sender paused');
    expect(allowed).toContain('250 2.1.0 Ok');
    expect(mx.received).not.toContain('MAIL FROM:<a@paused.example>');
    expect(mx.received).toContain('MAIL FROM:<a@fine.example>');
  });
});
