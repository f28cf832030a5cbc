import { describe, expect, it } from 'vitest';
import { CommandParser } from './command-parser';
import { formatEnhancedStatus, parseEnhancedStatus } from './enhanced-status';
import { serializeCommand, serializeMailFrom, serializeRcptTo } from './serialize-command';
import { serializeReply } from './serialize-reply';
import { SmtpParserError } from './smtp-parser-error';
import { decodeXtext, encodeXtext } from './xtext';

describe('serializeReply', () => {
  it('writes single and multi-line replies wire-exact', () => {
    expect(
      serializeReply({ code: 451, enhanced: '4.7.5', lines: ['try again later'] }).toString(),
    ).toBe('451 4.7.5 try again later\r\n');
    expect(
      serializeReply({ code: 250, lines: ['mx.example', 'PIPELINING', 'CHUNKING'] }).toString(),
    ).toBe('250-mx.example\r\n250-PIPELINING\r\n250 CHUNKING\r\n');
    expect(
      serializeReply({
        code: 421,
        enhanced: { class: 4, subject: 7, detail: 28 },
        lines: ['a', 'b'],
      }).toString(),
    ).toBe('421-4.7.28 a\r\n421 4.7.28 b\r\n');
    expect(serializeReply({ code: 250, lines: [] }).toString()).toBe('250\r\n');
  });

  it.each([
    [{ code: 99, lines: ['x'] }],
    [{ code: 250.5, lines: ['x'] }],
    [{ code: 250, lines: ['a\r\nb'] }],
  ])('refuses %j with a coded error', (input) => {
    try {
      serializeReply(input);
      expect.unreachable();
    } catch (error) {
      expect(SmtpParserError.isInstance(error) && error.code).toBe('WARP_ERR_SMTP_INVALID_INPUT');
      expect((error as Error).message).toMatch(/^\[warp\] \[smtp-parser\] /);
    }
  });
});

describe('serializeCommand', () => {
  it('writes commands and envelopes', () => {
    expect(serializeCommand({ verb: 'QUIT' }).toString()).toBe('QUIT\r\n');
    expect(
      serializeMailFrom({
        address: '',
        parameters: [
          { keyword: 'SIZE', value: '10' },
          { keyword: 'SMTPUTF8', value: undefined },
        ],
      }).toString(),
    ).toBe('MAIL FROM:<> SIZE=10 SMTPUTF8\r\n');
    expect(serializeRcptTo({ address: 'u@c', sourceRoute: ['a', 'b'] }).toString()).toBe(
      'RCPT TO:<@a,@b:u@c>\r\n',
    );
  });

  it('refuses line breaks and spaces in the verb', () => {
    expect(() => serializeCommand({ verb: 'NOOP', argument: 'x\r\nRSET' })).toThrow(/CR or LF/);
    expect(() => serializeCommand({ verb: 'MAIL FROM' })).toThrow(/one keyword/);
  });
});

describe('xtext and enhanced status', () => {
  it('encodes and decodes RFC 3461 xtext', () => {
    expect(encodeXtext('a+b=c d')).toBe('a+2Bb+3Dc+20d');
    expect(decodeXtext('a+2Bb+3Dc+20d')).toBe('a+b=c d');
    expect(decodeXtext('bad+2g')).toBeUndefined();
    expect(decodeXtext('bad=')).toBeUndefined();
  });

  it('parses and formats class.subject.detail', () => {
    expect(parseEnhancedStatus('5.7.26 unauthenticated')).toEqual({
      class: 5,
      subject: 7,
      detail: 26,
    });
    expect(parseEnhancedStatus('5.7.26x')).toBeUndefined();
    expect(parseEnhancedStatus('3.1.1 no')).toBeUndefined();
    expect(formatEnhancedStatus({ class: 2, subject: 0, detail: 0 })).toBe('2.0.0');
  });
});

describe('Command objects', () => {
  it('treat DATA with trailing spaces as DATA, as Postfix does', () => {
    const parser = new CommandParser();
    parser.push(Buffer.from('DATA \r\n'));
    expect(parser.mode).toBe('data-pending');
  });

  it('serialize every field to JSON, lazy ones included', () => {
    const [event] = new CommandParser().push(Buffer.from('MAIL FROM:<a@b> SIZE=5\r\n'));
    const json = JSON.parse(JSON.stringify(event));
    expect(json.command).toMatchObject({
      verb: 'MAIL',
      argument: 'FROM:<a@b> SIZE=5',
      issues: [],
      envelope: { address: 'a@b', size: 5 },
    });
  });
});
