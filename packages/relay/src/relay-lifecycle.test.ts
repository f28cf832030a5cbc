import { readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createRelay } from './create-relay';
import { type FakeMx, startFakeMx } from './internal/test-support/fake-mx';
import { type Harness, startRelay, testIo } from './internal/test-support/relay-harness';
import { connectClient } from './internal/test-support/smtp-client';

let mx: FakeMx | undefined;

/** File descriptors this process has open. */
const openFds = () => readdirSync('/proc/self/fd').length;
let harness: Harness | undefined;

afterEach(async () => {
  await harness?.relay.close({ graceMs: 0 });
  await mx?.close();
  harness = undefined;
  mx = undefined;
});

describe('relay lifecycle', () => {
  it('greets with 421 4.3.2 above the session limit, and keeps no socket of a refused connection', async () => {
    mx = await startFakeMx();
    harness = await startRelay(mx.port, { maxSessions: 1 });
    const first = await connectClient(harness.port);
    await first.reply();
    const before = openFds();
    for (let i = 0; i < 10; i++) {
      const refused = await connectClient(harness.port);
      expect(await refused.reply()).toMatch(/^421 4\.3\.2 /);
      await refused.closed;
    }
    // Both ends of each refused connection are in this process: once the
    // relay's side is closed too, the count is back where it was.
    const deadline = performance.now() + 3_000;
    while (openFds() > before && performance.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(openFds()).toBeLessThanOrEqual(before);
    first.send('QUIT\r\n');
    expect(await first.reply()).toMatch(/^221 /);
  });

  it('refuses a destination that loops back to the relay itself', async () => {
    const events: unknown[] = [];
    const relay = createRelay({
      io: testIo(),
      resolveDestination: () => ({ address: '127.0.0.1', port }),
      events: { emit: (e) => events.push(e) },
    });
    const { port } = await relay.listen(0, '127.0.0.1');
    const client = await connectClient(port);
    expect(await client.reply()).toMatch(/^421 4\.3\.0 /);
    await client.closed;
    await relay.close({ graceMs: 0 });
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'session.closed',
        reason: 'refused',
        error: expect.objectContaining({ code: 'WARP_ERR_RELAY_SELF_DESTINATION' }),
      }),
    );
  });

  it('refuses a connection whose destination cannot be resolved', async () => {
    const relay = createRelay({
      io: testIo(),
      resolveDestination: () => {
        throw new Error('not redirected');
      },
    });
    const { port } = await relay.listen(0, '127.0.0.1');
    const client = await connectClient(port);
    expect(await client.reply()).toMatch(/^421 4\.3\.0 /);
    await relay.close({ graceMs: 0 });
  });

  it('answers 421 4.4.1 when the MX cannot be reached', async () => {
    const closed: Server = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    harness = await startRelay(deadPort);
    const client = await connectClient(harness.port);
    expect(await client.reply()).toMatch(/^421 4\.4\.1 /);
    const [event] = await harness.closedSessions(1);
    expect(event).toMatchObject({
      reason: 'connect-failed',
      error: { code: 'WARP_ERR_RELAY_CONNECT_FAILED' },
    });
  });

  it('answers 421 4.4.2 when the MX stays silent past the timeout', async () => {
    const silent = createServer((socket) => socket.on('error', () => {}));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      harness = await startRelay((silent.address() as { port: number }).port, {
        timeouts: { greetingMs: 200 },
      });
      const client = await connectClient(harness.port);
      expect(await client.reply()).toMatch(/^421 4\.4\.2 /);
      const [event] = await harness.closedSessions(1);
      expect(event).toMatchObject({ reason: 'timeout', error: { code: 'WARP_ERR_RELAY_TIMEOUT' } });
    } finally {
      silent.close();
    }
  });

  it('on shutdown closes idle sessions with 421 4.3.2 and lets a transaction finish first', async () => {
    mx = await startFakeMx();
    harness = await startRelay(mx.port);
    const idle = await connectClient(harness.port);
    await idle.reply();
    const busy = await connectClient(harness.port);
    await busy.reply();
    busy.send('EHLO s\r\n');
    await busy.reply();
    busy.send('MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n');
    for (let k = 0; k < 3; k++) await busy.reply();
    const closing = harness.relay.close({ graceMs: 5_000 });
    expect(await idle.reply()).toMatch(/^421 4\.3\.2 /);
    busy.send('body\r\n.\r\n');
    expect(await busy.reply()).toMatch(/^250 2\.0\.0/);
    expect(await busy.reply()).toMatch(/^421 4\.3\.2 /);
    await closing;
    expect(mx.messages).toHaveLength(1);
    expect(harness.relay.sessionCount).toBe(0);
  });

  it('relays a 5 MB message byte-identically', async () => {
    mx = await startFakeMx();
    harness = await startRelay(mx.port);
    const client = await connectClient(harness.port);
    await client.reply();
    client.send('EHLO s\r\n');
    await client.reply();
    client.send('MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n');
    for (let k = 0; k < 3; k++) await client.reply();
    const line = `${'x'.repeat(76)}\r\n`;
    const body = Buffer.from(line.repeat(Math.ceil((5 * 1024 * 1024) / line.length)));
    client.send(body);
    client.send('.\r\n');
    expect(await client.reply()).toMatch(/^250 2\.0\.0/);
    expect(mx.messages[0]?.body.equals(body)).toBe(true);
  });
});

describe('relay backpressure', () => {
  it('stops reading from the MTA while the MX does not read, instead of buffering the message', async () => {
    mx = await startFakeMx({ stallAfterData: true });
    harness = await startRelay(mx.port);
    const client = await connectClient(harness.port);
    await client.reply();
    client.send('EHLO s\r\n');
    await client.reply();
    client.send('MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n');
    for (let k = 0; k < 3; k++) await client.reply();
    const chunk = Buffer.from(`${'z'.repeat(1022)}\r\n`.repeat(1024));
    const limit = 256 * chunk.length; // 256 MiB offered
    let offered = 0;
    for (; offered < limit; offered += chunk.length) {
      if (client.socket.write(chunk)) continue;
      const drained = await Promise.race([
        new Promise<boolean>((resolve) => client.socket.once('drain', () => resolve(true))),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 1_000)),
      ]);
      if (!drained) break;
    }
    // What left the MTA sits in kernel socket buffers (a few MiB each) and
    // at most 256 KiB of relay read-ahead: far below the message.
    expect(offered).toBeLessThan(limit);
    expect(client.socket.bytesWritten).toBeLessThan(32 * 1024 * 1024);
    client.socket.destroy();
  });
});
