/**
 * The relay with each capture level, same run, same fake MX: messages by DATA
 * over one connection, rounds interleaved so machine load hits every level alike.
 * `pnpm exec tsx --conditions=source packages/relay/src/internal/message-capture-relay.bench.ts`
 * (MESSAGES, MESSAGE_KIB, ROUNDS). Prints figures; never fails.
 */
import { cpus, loadavg } from 'node:os';
import type { MessageCaptureOptions } from '../relay-options';
import { startFakeMx } from './test-support/fake-mx';
import { startRelay } from './test-support/relay-harness';
import { connectClient } from './test-support/smtp-client';

const messages = Number(process.env.MESSAGES ?? 200);
const messageBytes = Number(process.env.MESSAGE_KIB ?? 100) * 1024;
const rounds = Number(process.env.ROUNDS ?? 3);

let text = 'Message-ID: <bench@example.org>\r\nSubject: bench\r\n\r\n';
for (let i = 0; text.length < messageBytes; i++)
  text += `${i % 50 === 0 ? '..' : ''}${'b'.repeat(76)}\r\n`;
const data = Buffer.from(`${text}.\r\n`);

async function once(capture: MessageCaptureOptions): Promise<{ ms: number; cpuMs: number }> {
  const mx = await startFakeMx();
  const harness = await startRelay(mx.port, { capture, events: { emit: () => {} } });
  const client = await connectClient(harness.port);
  await client.reply();
  client.send('EHLO bench.example\r\n');
  await client.reply();
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let m = 0; m < messages; m++) {
    client.send('MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n');
    for (let k = 0; k < 3; k++) await client.reply();
    client.send(data);
    await client.reply();
  }
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  client.send('QUIT\r\n');
  await client.reply();
  await harness.relay.close({ graceMs: 0 });
  await mx.close();
  // Client, relay and MX share this process: CPU is all three together.
  return { ms, cpuMs: (used.user + used.system) / 1000 };
}

const levels: Array<[string, MessageCaptureOptions]> = [
  ['envelope (default; baseline)', { level: 'envelope' }],
  ['headers', { level: 'headers' }],
  ['full, maxContentBytes 1 MiB', { level: 'full' }],
];
console.log(
  `${messages} messages of ${data.length} bytes per round, ${rounds} rounds; load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} on ${cpus().length} cores`,
);
const results = new Map<string, Array<{ ms: number; cpuMs: number }>>();
for (let r = 0; r < rounds; r++)
  for (const [name, capture] of levels) {
    const list = results.get(name) ?? [];
    list.push(await once(capture));
    results.set(name, list);
  }
const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const base = median((results.get(levels[0]?.[0] ?? '') ?? []).map((x) => x.ms));
for (const [name, list] of results) {
  const ms = median(list.map((x) => x.ms));
  const cpuMs = median(list.map((x) => x.cpuMs));
  console.log(
    `${name.padEnd(30)} ${(messages / (ms / 1000)).toFixed(0).padStart(6)} msg/s  ${(cpuMs / messages).toFixed(3)} ms CPU/msg  ${(base / ms).toFixed(2)}x baseline throughput`,
  );
}
console.log(
  `load average after: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
