import { describe, expect, it } from 'vitest';
import { canonical, feedServer, splitings } from './internal/split-feed';
import type { ServerEvent } from './reply-event';
import { ReplyParser } from './reply-parser';

function parseEverySplit(text: string): ServerEvent[] {
  const input = Buffer.from(text, 'utf8');
  const whole = feedServer([input]);
  const expected = canonical(whole);
  for (const { name, chunks } of splitings(input))
    expect(canonical(feedServer(chunks)), name).toBe(expected);
  return whole;
}

const replies = (events: ServerEvent[]) =>
  events.flatMap((e) => (e.type === 'reply' ? [e.reply] : []));

describe('ReplyParser', () => {
  it('parses single and multi-line replies only at their last line', () => {
    const [greeting, ehlo] = replies(
      parseEverySplit(
        '220 mx.example ESMTP\r\n250-mx.example\r\n250-PIPELINING\r\n250 CHUNKING\r\n',
      ),
    );
    expect(greeting).toMatchObject({ code: 220, offset: 0, length: 22, issues: [] });
    expect(ehlo?.lines.map((line) => [line.code, line.final, line.text])).toEqual([
      [250, false, 'mx.example'],
      [250, false, 'PIPELINING'],
      [250, true, 'CHUNKING'],
    ]);
    expect(ehlo).toMatchObject({ offset: 22, length: 46 });
  });

  it('reads the enhanced status code of every line', () => {
    const [reply] = replies(
      parseEverySplit(
        '421-4.7.28 Our system has detected an unusual rate of\r\n421-4.7.28 unsolicited mail originating from your IP address.\r\n421 4.7.28 Please visit https://support.google.com/mail/?p=UnsolicitedRateLimitError\r\n',
      ),
    );
    expect(reply?.enhanced).toEqual({ class: 4, subject: 7, detail: 28 });
    expect(reply?.lines.every((line) => line.enhanced?.detail === 28)).toBe(true);
    expect(reply?.lines[0]?.text).toBe('Our system has detected an unusual rate of');
  });

  it('accepts a code alone and a bare LF, and reports them', () => {
    const [a, b] = replies(parseEverySplit('250\r\n354 go ahead\n'));
    expect(a).toMatchObject({ code: 250, issues: [], lines: [{ text: '', final: true }] });
    expect(b).toMatchObject({ code: 354, issues: ['bare-lf'], lines: [{ ending: 'LF' }] });
  });

  it('reports lines of one reply carrying different codes', () => {
    const [reply] = replies(parseEverySplit('250-a\r\n251 b\r\n'));
    expect(reply).toMatchObject({ code: 250, issues: ['code-mismatch'] });
  });

  it('reports a line without a code and keeps the reply around it open', () => {
    const events = parseEverySplit('250-a\r\nnonsense\r\n250 b\r\n');
    expect(events.map((e) => e.type)).toEqual(['malformed-line', 'reply']);
    expect(events[0]).toMatchObject({ offset: 7 });
    expect(replies(events)[0]?.lines).toHaveLength(2);
  });

  it('reports text glued to the code', () => {
    expect(replies(parseEverySplit('250ok\r\n'))[0]).toMatchObject({
      issues: ['no-separator'],
      lines: [{ text: 'ok' }],
    });
  });

  it('truncates a reply with too many lines and says so', () => {
    const parser = new ReplyParser({ maxReplyLines: 3 });
    const events = parser.push(Buffer.from(`${'250-x\r\n'.repeat(10)}250 end\r\n`));
    expect(replies(events)[0]).toMatchObject({ issues: ['truncated'], length: 79 });
    expect(replies(events)[0]?.lines.map((line) => line.text)).toEqual(['x', 'x', 'x', 'end']);
  });

  it('never keeps more than the limit of an endless line', () => {
    const parser = new ReplyParser({ maxLineLength: 100 });
    const events = [
      ...parser.push(Buffer.alloc(1000, 0x32)),
      ...parser.push(Buffer.from('\r\n220 ok\r\n')),
    ];
    expect(parser.bufferedBytes).toBe(0);
    expect(events.map((e) => e.type)).toEqual(['line-too-long', 'reply']);
  });

  it('forgets a partial reply on reset()', () => {
    const parser = new ReplyParser();
    parser.push(Buffer.from('250-half'));
    parser.reset();
    expect(replies(parser.push(Buffer.from('220 fresh\r\n')))).toMatchObject([
      { code: 220, offset: 8 },
    ]);
  });
});
