import { describe, expect, it } from 'vitest';
import type { ClientEvent } from './client-event';
import { CommandParser, type CommandParserOptions } from './command-parser';
import { canonical, feedClient, splitings } from './internal/split-feed';
import { SmtpParserError } from './smtp-parser-error';

const startOn354 = (parser: CommandParser, event: ClientEvent) =>
  event.type === 'command' && event.command.verb === 'DATA' ? parser.startData() : undefined;

/** Parses `text` at every split point and one byte at a time; all results must match. */
function parseEverySplit(text: string | Buffer, options: CommandParserOptions = {}): ClientEvent[] {
  const input = typeof text === 'string' ? Buffer.from(text, 'latin1') : text;
  const whole = feedClient([input], options, startOn354);
  const expected = canonical(whole);
  for (const { name, chunks } of splitings(input)) {
    expect(canonical(feedClient(chunks, options, startOn354)), name).toBe(expected);
  }
  return whole;
}

const types = (events: ClientEvent[]) => events.map((event) => event.type);
const content = (events: ClientEvent[]) =>
  Buffer.concat(
    events.flatMap((e) => (e.type === 'data' || e.type === 'bdat-data' ? [e.content] : [])),
  ).toString('latin1');

describe('CommandParser', () => {
  it('parses pipelined commands with offsets and lengths', () => {
    const events = parseEverySplit(
      'EHLO client.example\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\n',
    );
    expect(
      events.map((e) =>
        e.type === 'command' ? [e.command.verb, e.command.offset, e.command.length] : e.type,
      ),
    ).toEqual([
      ['EHLO', 0, 21],
      ['MAIL', 21, 25],
      ['RCPT', 46, 23],
    ]);
  });

  it('keeps the raw bytes of each command exactly', () => {
    const input = 'helo  x\r\nnoop\n';
    const events = parseEverySplit(input);
    const raws = events.map((e) => (e.type === 'command' ? e.command.raw.toString('latin1') : ''));
    expect(raws.join('')).toBe(input);
    expect(events[0]).toMatchObject({ command: { verb: 'HELO', argument: ' x' } });
    expect(events[1]).toMatchObject({
      command: { verb: 'NOOP', ending: 'LF', issues: ['bare-lf'] },
    });
  });

  it('finds the end of data across every split point and returns to commands', () => {
    const events = parseEverySplit('DATA\r\nSubject: x\r\n\r\nbody\r\n.\r\nQUIT\r\n');
    expect(types(events)).toEqual(['command', 'data', 'data-end', 'command']);
    expect(content(events)).toBe('Subject: x\r\n\r\nbody\r\n');
    expect(events[2]).toEqual({ type: 'data-end', offset: 26, length: 3 });
  });

  it('ends an empty message at a dot right after the DATA line', () => {
    const events = parseEverySplit('DATA\r\n.\r\nRSET\r\n');
    expect(types(events)).toEqual(['command', 'data-end', 'command']);
  });

  it('keeps dot-stuffing by default and removes it when asked', () => {
    const input = 'DATA\r\n..leading\r\n.\tx\r\n...\r\n.\r\n';
    expect(content(parseEverySplit(input))).toBe('..leading\r\n.\tx\r\n...\r\n');
    const unstuffed = parseEverySplit(input, { unstuff: true });
    expect(content(unstuffed)).toBe('.leading\r\n\tx\r\n..\r\n');
    const covered = unstuffed.filter((e) => e.type === 'data').reduce((n, e) => n + e.length, 0);
    expect(covered).toBe(input.length - 6 - 3);
  });

  it.each([
    ['lf-dot-lf', 'a\n.\nb', 1, 3],
    ['lf-dot-crlf', 'a\n.\r\nb', 1, 4],
    ['lf-dot-cr', 'a\n.\rb', 1, 3],
    ['crlf-dot-lf', 'a\r\n.\nb', 2, 3],
    ['crlf-dot-cr', 'a\r\n.\rb', 2, 3],
    ['cr-dot-cr', 'a\r.\rb', 1, 3],
    ['cr-dot-lf', 'a\r.\nb', 1, 3],
    ['cr-dot-crlf', 'a\r.\r\nb', 1, 4],
  ])('reports %s as an ambiguous ending and keeps reading content', (kind, body, at, length) => {
    const events = parseEverySplit(`DATA\r\n${body}\r\n.\r\n`);
    expect(events.filter((e) => e.type === 'ambiguous-ending')).toEqual([
      { type: 'ambiguous-ending', kind, offset: 6 + at, length },
    ]);
    expect(content(events)).toBe(`${body}\r\n`);
    expect(events[events.length - 1]?.type).toBe('data-end');
  });

  it('reports an ambiguous ending right after a DATA line that ended in bare LF', () => {
    const events = parseEverySplit('DATA\n.\r\nx\r\n.\r\n');
    expect(events[1]).toEqual({
      type: 'ambiguous-ending',
      kind: 'lf-dot-crlf',
      offset: 4,
      length: 4,
    });
  });

  it('counts BDAT octets exactly, never as lines, pipelined chunks included', () => {
    const events = parseEverySplit(
      'BDAT 9\r\n.\r\nQUIT\r\nBDAT 3 LAST\r\nabcBDAT 0 LAST\r\nQUIT\r\n',
    );
    expect(types(events)).toEqual([
      'command',
      'bdat-data',
      'bdat-end',
      'command',
      'bdat-data',
      'bdat-end',
      'command',
      'bdat-end',
      'command',
    ]);
    expect(content(events)).toBe('.\r\nQUIT\r\nabc');
    expect(events[2]).toEqual({ type: 'bdat-end', offset: 17, size: 9, last: false });
    expect(events[5]).toEqual({ type: 'bdat-end', offset: 33, size: 3, last: true });
  });

  it('holds bytes after DATA until startData() and replays them as content', () => {
    const parser = new CommandParser();
    expect(types(parser.push(Buffer.from('DATA\r\nearly\r\n.\r\n')))).toEqual(['command']);
    expect(parser.mode).toBe('data-pending');
    expect(parser.bufferedBytes).toBe(10);
    expect(types(parser.startData())).toEqual(['data', 'data-end']);
    expect(parser.mode).toBe('command');
  });

  it('parses held bytes as commands when DATA is refused', () => {
    const parser = new CommandParser();
    parser.push(Buffer.from('DATA\r\nRSET\r\n'));
    const events = parser.resume();
    expect(events).toMatchObject([{ type: 'command', command: { verb: 'RSET', offset: 6 } }]);
  });

  it('discards what it cannot hold before the 354 and says so', () => {
    const parser = new CommandParser({ maxLineLength: 8 });
    const events = parser.push(Buffer.from('DATA\r\n0123456789ab'));
    expect(events[1]).toEqual({
      type: 'bytes-discarded',
      reason: 'before-354',
      offset: 14,
      length: 4,
    });
    expect(parser.bufferedBytes).toBe(8);
  });

  it('discards plaintext after STARTTLS until reset()', () => {
    const parser = new CommandParser();
    const events = parser.push(Buffer.from('STARTTLS\r\nMAIL FROM:<evil@x>\r\n'));
    expect(events[1]).toEqual({
      type: 'bytes-discarded',
      reason: 'after-starttls',
      offset: 10,
      length: 20,
    });
    parser.reset();
    expect(parser.push(Buffer.from('EHLO again\r\n'))).toMatchObject([
      { command: { verb: 'EHLO', offset: 30 } },
    ]);
  });

  it('goes back to commands when STARTTLS is refused', () => {
    const parser = new CommandParser();
    parser.push(Buffer.from('STARTTLS\r\n'));
    expect(parser.resume()).toEqual([]);
    expect(parser.push(Buffer.from('QUIT\r\n'))).toMatchObject([{ command: { verb: 'QUIT' } }]);
  });

  it('throws a coded error when startData() or resume() is called out of turn', () => {
    const parser = new CommandParser();
    expect(() => parser.startData()).toThrow(/WARP_ERR|startData\(\) called in mode 'command'/);
    try {
      parser.resume();
    } catch (error) {
      expect(SmtpParserError.isInstance(error)).toBe(true);
      expect((error as SmtpParserError).code).toBe('WARP_ERR_SMTP_PARSER_STATE');
    }
    expect.assertions(3);
  });

  it('reports a line over the limit once, keeps none of it, and resumes at the next line', () => {
    const long = `NOOP ${'x'.repeat(100)}\r\nQUIT\r\n`;
    const events = parseEverySplit(long, { maxLineLength: 32 });
    expect(events).toMatchObject([
      { type: 'line-too-long', offset: 0, limit: 32 },
      { type: 'command', command: { verb: 'QUIT', offset: 107 } },
    ]);
  });

  it('never keeps more than the limit of an endless line', () => {
    const parser = new CommandParser({ maxLineLength: 1024 });
    const chunk = Buffer.alloc(4096, 0x41);
    let reported = 0;
    for (let i = 0; i < 256; i++) {
      reported += parser.push(chunk).length;
      expect(parser.bufferedBytes).toBeLessThanOrEqual(1025);
    }
    expect(reported).toBe(1);
  });

  it('accepts a line exactly at the limit', () => {
    const events = parseEverySplit(`NOOP ${'y'.repeat(11)}\r\n`, { maxLineLength: 16 });
    expect(events).toMatchObject([{ type: 'command', command: { verb: 'NOOP' } }]);
  });

  it('parses DATA content after a 354 even when DATA was pipelined in one read with MAIL and RCPT', () => {
    const events = parseEverySplit('MAIL FROM:<>\r\nRCPT TO:<a@b>\r\nDATA\r\nx\r\n.\r\n');
    expect(types(events)).toEqual(['command', 'command', 'command', 'data', 'data-end']);
  });
});
