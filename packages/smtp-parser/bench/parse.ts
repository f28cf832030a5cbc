// Throughput of @warp/smtp-parser against a Buffer.indexOf line-splitting baseline, same inputs, same run.
import { availableParallelism, loadavg } from 'node:os';
// Run: pnpm --filter @warp/smtp-parser bench
import { CommandParser } from '@warp/smtp-parser';

const CHUNK = 64 * 1024;
const ROUNDS = 11;
const LF = 10;

function chunked(input: Buffer): Buffer[] {
  const chunks: Buffer[] = [];
  // Own memory per chunk, as socket reads have.
  for (let i = 0; i < input.length; i += CHUNK)
    chunks.push(Buffer.from(input.subarray(i, i + CHUNK)));
  return chunks;
}

/** The ceiling: find every LF with Buffer.indexOf and nothing else. */
function baseline(chunks: Buffer[]): number {
  let lines = 0;
  for (const chunk of chunks) {
    let i = chunk.indexOf(LF);
    while (i !== -1) {
      lines++;
      i = chunk.indexOf(LF, i + 1);
    }
  }
  return lines;
}

function commands(chunks: Buffer[]): number {
  const parser = new CommandParser({ autoStartData: true });
  let count = 0;
  for (const chunk of chunks) count += parser.push(chunk).length;
  return count;
}

function data(chunks: Buffer[], unstuff: boolean): number {
  const parser = new CommandParser({ autoStartData: true, unstuff });
  let bytes = 0;
  for (const chunk of chunks) {
    for (const event of parser.push(chunk))
      if (event.type === 'data') bytes += event.content.length;
  }
  return bytes;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * Median wall time in ms over ROUNDS, rounds of `a` and `b` interleaved (so
 * load from other processes hits both alike). Also prints the best round.
 */
function timeBoth(a: () => unknown, b: () => unknown): [number, number] {
  const ta: number[] = [];
  const tb: number[] = [];
  a();
  b();
  for (let r = 0; r < ROUNDS; r++) {
    let t = performance.now();
    a();
    ta.push(performance.now() - t);
    t = performance.now();
    b();
    tb.push(performance.now() - t);
  }
  best = [Math.min(...ta), Math.min(...tb)];
  return [median(ta), median(tb)];
}

let best: [number, number] = [0, 0];
const mbps = (bytes: number, ms: number) => (bytes / 1e6 / (ms / 1000)).toFixed(0);
const perSecond = (n: number, ms: number) => (n / (ms / 1000) / 1e6).toFixed(2);

// 1. A command-heavy pipelined transcript (Postfix-like groups, no message bodies).
const group =
  'MAIL FROM:<bounce-1234@sender.example.org> SIZE=48213 BODY=8BITMIME\r\n' +
  'RCPT TO:<alice@example.net> NOTIFY=FAILURE ORCPT=rfc822;alice@example.net\r\n' +
  'RCPT TO:<bob@example.net>\r\nRSET\r\nNOOP\r\nEHLO client.example.org\r\n';
const transcript = Buffer.from(group.repeat(Math.ceil((20 * 1024 * 1024) / group.length)));
const transcriptChunks = chunked(transcript);
const lineCount = baseline(transcriptChunks);
const [cmdMs, cmdBase] = timeBoth(
  () => commands(transcriptChunks),
  () => baseline(transcriptChunks),
);
console.log(
  `machine load average ${loadavg()[0]?.toFixed(1)} on ${availableParallelism()} cores; figures are medians of ${ROUNDS} interleaved rounds`,
);
console.log(`commands   ${(transcript.length / 1e6).toFixed(1)} MB, ${lineCount} lines`);
console.log(
  `  parser     ${mbps(transcript.length, cmdMs)} MB/s  ${perSecond(lineCount, cmdMs)} M lines/s`,
);
console.log(
  `  baseline   ${mbps(transcript.length, cmdBase)} MB/s  ${perSecond(lineCount, cmdBase)} M lines/s  (indexOf only)`,
);
console.log(`  ratio      ${((cmdBase / cmdMs) * 100).toFixed(0)}% of baseline`);
console.log(
  `  best round parser ${perSecond(lineCount, best[0])} M lines/s, baseline ${perSecond(lineCount, best[1])} M lines/s`,
);

// 2. A 10 MB message through the DATA path (76-column lines, 1 in 50 starts with a dot).
const bodyLines: string[] = [];
for (let i = 0; bodyLines.length * 78 < 10 * 1024 * 1024; i++) {
  const line = `${i % 50 === 0 ? '..' : ''}Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod ${i % 10}`;
  bodyLines.push(line.slice(0, 76));
}
const message = Buffer.from(`DATA\r\n${bodyLines.join('\r\n')}\r\n.\r\n`);
const messageChunks = chunked(message);
for (const unstuff of [false, true]) {
  const [dataMs, dataBase] = timeBoth(
    () => data(messageChunks, unstuff),
    () => baseline(messageChunks),
  );
  console.log(
    `DATA ${unstuff ? 'unstuffing ' : 'as-is      '} ${(message.length / 1e6).toFixed(1)} MB`,
  );
  console.log(`  parser     ${mbps(message.length, dataMs)} MB/s`);
  console.log(`  baseline   ${mbps(message.length, dataBase)} MB/s  (indexOf only)`);
  console.log(`  ratio      ${((dataBase / dataMs) * 100).toFixed(0)}% of baseline`);
  console.log(
    `  best round parser ${mbps(message.length, best[0])} MB/s, baseline ${mbps(message.length, best[1])} MB/s`,
  );
}

// 2b. The same message in reads that each end at a line end (as line-buffered senders write).
const alignedChunks: Buffer[] = [];
for (let from = 0; from < message.length; ) {
  const lf = message.indexOf(LF, Math.min(from + CHUNK, message.length - 1));
  const to = lf === -1 ? message.length : lf + 1;
  alignedChunks.push(Buffer.from(message.subarray(from, to)));
  from = to;
}
{
  const [alignedMs, alignedBase] = timeBoth(
    () => data(alignedChunks, false),
    () => baseline(alignedChunks),
  );
  console.log(`DATA line-aligned reads ${(message.length / 1e6).toFixed(1)} MB`);
  console.log(`  parser     ${mbps(message.length, alignedMs)} MB/s`);
  console.log(`  baseline   ${mbps(message.length, alignedBase)} MB/s  (indexOf only)`);
  console.log(`  ratio      ${((alignedBase / alignedMs) * 100).toFixed(0)}% of baseline`);
}

// 3. Memory while streaming a 100 MB message in 64 KiB chunks (chunks made on the fly, as from a socket).
globalThis.gc?.();
const before = process.memoryUsage();
let peakRss = before.rss;
let peakHeap = before.heapUsed;
const parser = new CommandParser({ autoStartData: true, unstuff: true });
parser.push(Buffer.from('DATA\r\n'));
const line = Buffer.from(`${'x'.repeat(74)}\r\n`);
const template = Buffer.concat(Array.from({ length: Math.floor(CHUNK / line.length) }, () => line));
const t = performance.now();
let streamed = 0;
for (let i = 0; streamed < 100 * 1024 * 1024; i++) {
  const chunk = Buffer.from(template);
  parser.push(chunk);
  streamed += chunk.length;
  if (i % 64 === 0) {
    const now = process.memoryUsage();
    peakRss = Math.max(peakRss, now.rss);
    peakHeap = Math.max(peakHeap, now.heapUsed);
  }
}
const events = parser.push(Buffer.from('.\r\n'));
const ms = performance.now() - t;
const mib = (n: number) => (n / 1024 / 1024).toFixed(1);
console.log(`stream 100 MB message: ${mbps(streamed, ms)} MB/s, ended with ${events.at(-1)?.type}`);
console.log(
  `  rss ${mib(before.rss)} -> peak ${mib(peakRss)} MiB (+${mib(peakRss - before.rss)}), heap ${mib(before.heapUsed)} -> peak ${mib(peakHeap)} MiB, parser buffered ${parser.bufferedBytes} B`,
);
