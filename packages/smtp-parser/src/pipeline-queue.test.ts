import { describe, expect, it } from 'vitest';
import type { Command } from './command';
import { CommandParser } from './command-parser';
import { PipelineQueue } from './pipeline-queue';
import { ReplyParser } from './reply-parser';

describe('PipelineQueue', () => {
  it('matches pipelined replies to their commands in order with latency', () => {
    let clock = 1000;
    const queue = new PipelineQueue<Command>({ now: () => clock });
    const client = new CommandParser();
    for (const event of client.push(
      Buffer.from('MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nRCPT TO:<e@f>\r\nDATA\r\n'),
    )) {
      if (event.type === 'command') queue.push(event.command);
    }
    const server = new ReplyParser();
    const matched = [];
    for (const event of server.push(Buffer.from('250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n'))) {
      if (event.type === 'reply') matched.push(queue.settle(event.reply));
    }
    clock = 2800;
    for (const event of server.push(Buffer.from('421 4.7.0 bye\r\n'))) {
      if (event.type === 'reply') matched.push(queue.settle(event.reply));
    }
    expect(
      matched.map((m) => [m?.request.verb, m?.request.argument, m?.reply.code, m?.latency]),
    ).toEqual([
      ['MAIL', 'FROM:<a@b>', 250, 0],
      ['RCPT', 'TO:<c@d>', 250, 0],
      ['RCPT', 'TO:<e@f>', 421, 1800],
    ]);
    expect(queue.size).toBe(1);
    expect(queue.peek()?.verb).toBe('DATA');
    expect(queue.clear().map((c) => c.verb)).toEqual(['DATA']);
    expect(queue.size).toBe(0);
  });

  it('returns undefined for a reply nobody asked for', () => {
    const queue = new PipelineQueue<string>();
    const [event] = new ReplyParser().push(Buffer.from('220 hi\r\n'));
    expect(event?.type === 'reply' && queue.settle(event.reply)).toBeUndefined();
  });

  it('keeps order over many pushes and settles (compaction)', () => {
    const queue = new PipelineQueue<number>({ now: () => 0 });
    const [event] = new ReplyParser().push(Buffer.from('250 ok\r\n'));
    const reply = event?.type === 'reply' ? event.reply : undefined;
    const seen: number[] = [];
    for (let i = 0; i < 500; i++) {
      queue.push(i);
      if (i % 3 !== 0) seen.push(queue.settle(reply!)!.request);
    }
    while (queue.size > 0) seen.push(queue.settle(reply!)!.request);
    expect(seen).toEqual([...Array(500).keys()]);
  });

  it('uses a monotonic clock by default', () => {
    const queue = new PipelineQueue<string>();
    queue.push('NOOP');
    const [event] = new ReplyParser().push(Buffer.from('250 ok\r\n'));
    const exchange = event?.type === 'reply' ? queue.settle(event.reply) : undefined;
    expect(exchange?.latency).toBeGreaterThanOrEqual(0);
    expect(exchange?.sentAt).toBeLessThanOrEqual(performance.now());
  });
});
