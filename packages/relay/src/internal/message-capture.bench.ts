/**
 * What capturing costs per message body, next to baselines from the same run:
 * `pnpm exec tsx --conditions=source packages/relay/src/internal/message-capture.bench.ts`
 * (MESSAGES, MESSAGE_KIB and CHUNK_KIB change the workload). Prints figures; never fails.
 */
import { cpus, loadavg } from 'node:os';
import { dotUnstuffer } from './held-message';
import { MessageCapture } from './message-capture';

const messages = Number(process.env.MESSAGES ?? 200);
const messageBytes = Number(process.env.MESSAGE_KIB ?? 1024) * 1024;
const chunkBytes = Number(process.env.CHUNK_KIB ?? 64) * 1024;

// A plausible message: 40 header lines, then 78-octet body lines, some dot-stuffed.
const header = Array.from({ length: 40 }, (_, i) => `X-Header-${i}: value ${i}\r\n`).join('');
const line = (i: number) => `${i % 50 === 0 ? '..' : ''}${'b'.repeat(76)}\r\n`;
let body = `${header}\r\n`;
for (let i = 0; body.length < messageBytes; i++) body += line(i);
const wire = Buffer.from(body.slice(0, messageBytes));
const chunks: Buffer[] = [];
for (let at = 0; at < wire.length; at += chunkBytes)
  chunks.push(wire.subarray(at, at + chunkBytes));

function run(name: string, perMessage: () => (chunk: Buffer) => void, end?: () => void): number {
  const started = process.hrtime.bigint();
  for (let m = 0; m < messages; m++) {
    const write = perMessage();
    for (const chunk of chunks) write(chunk);
    end?.();
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const mibPerS = (messages * wire.length) / 1048576 / (ms / 1000);
  console.log(
    `${name.padEnd(44)} ${(ms / messages).toFixed(3).padStart(8)} ms/message ${mibPerS.toFixed(0).padStart(7)} MiB/s`,
  );
  return ms;
}

console.log(
  `${messages} messages of ${wire.length} bytes in ${chunkBytes}-byte chunks; load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} on ${cpus().length} cores`,
);
let sink = 0;
run('baseline: walk the chunks (envelope level)', () => (chunk) => {
  sink += chunk.length;
});
run('baseline: copy every chunk (Buffer.from)', () => (chunk) => {
  sink += Buffer.from(chunk).length;
});
run('baseline: dotUnstuffer (the beforeRelay hold)', () => {
  const unstuff = dotUnstuffer();
  return (chunk) => {
    sink += unstuff(chunk).length;
  };
});
for (const [name, full, max] of [
  ['capture headers', false, 0],
  ['capture full, maxContentBytes 1 MiB', true, 1048576],
  ['capture full, maxContentBytes 64 KiB', true, 65536],
] as const) {
  const capture = new MessageCapture(full, max);
  run(
    name,
    () => (chunk) => capture.write(chunk, true),
    () => {
      sink += capture.take()?.headers?.length ?? 0;
    },
  );
}
if (sink < 0) console.log(sink);
