import { describe, expect, it } from 'vitest';
import type { Command } from './command';
import { CommandParser } from './command-parser';

function command(line: string): Command {
  const [event] = new CommandParser().push(Buffer.from(`${line}\r\n`, 'utf8'));
  if (event?.type !== 'command') throw new Error(`no command for ${line}`);
  return event.command;
}

/**
 * RFC 5321 / 6531 / 1870 / 3461 / 3030 grammar edge cases: what is accepted,
 * what is reported. [line, expected envelope/bdat fields, expected issues].
 */
const table: [string, Record<string, unknown> | undefined, string[]][] = [
  ['MAIL FROM:<a@b.example>', { address: 'a@b.example', localPart: 'a', domain: 'b.example' }, []],
  ['mail from:<a@b.example>', { address: 'a@b.example' }, []],
  ['MAIL FROM:<>', { address: '', localPart: '', domain: '' }, []],
  ['MAIL FROM: <a@b.example>', { address: 'a@b.example' }, ['space-before-path']],
  ['MAIL FROM:a@b.example', { address: 'a@b.example' }, ['missing-brackets']],
  [
    'MAIL FROM:<"john doe"@b.example>',
    { address: '"john doe"@b.example', localPart: '"john doe"', quoted: true },
    [],
  ],
  ['MAIL FROM:<"a>b\\"c@d"@e.example>', { localPart: '"a>b\\"c@d"', domain: 'e.example' }, []],
  [
    'MAIL FROM:<@relay1.example,@relay2.example:user@c.example>',
    { address: 'user@c.example', sourceRoute: ['relay1.example', 'relay2.example'] },
    [],
  ],
  [
    'MAIL FROM:<jöran@bücher.example> SMTPUTF8',
    { utf8: true, smtputf8: true, domain: 'bücher.example' },
    [],
  ],
  [
    'MAIL FROM:<用户@例子.广告> SMTPUTF8 BODY=8BITMIME',
    { localPart: '用户', body: '8BITMIME', utf8: true },
    [],
  ],
  ['MAIL FROM:<a@[192.0.2.1]>', { domain: '[192.0.2.1]' }, []],
  ['MAIL FROM:<a@[IPv6:2001:db8::1]>', { domain: '[IPv6:2001:db8::1]' }, []],
  ['MAIL FROM:<a@b> SIZE=1024 BODY=8bitmime', { size: 1024, body: '8BITMIME' }, []],
  ['MAIL FROM:<a@b>  SIZE=1  ', { size: 1 }, []],
  ['MAIL FROM:<a@b> RET=HDRS ENVID=QQ314159+2Bx', { ret: 'HDRS', envid: 'QQ314159+x' }, []],
  ['MAIL FROM:<a@b> SIZE=big', { size: undefined }, ['invalid-parameter']],
  ['MAIL FROM:<a@b> ENVID=bad+zz', { envid: undefined }, ['invalid-parameter']],
  ['MAIL FROM:<a@b> SMTPUTF8=yes', { smtputf8: true }, ['invalid-parameter']],
  [
    'MAIL FROM:<a@b> X-VENDOR=1 =x',
    {
      parameters: [
        { keyword: 'X-VENDOR', value: '1' },
        { keyword: '', value: 'x' },
      ],
    },
    ['invalid-parameter'],
  ],
  ['MAIL FROM:<a@b', undefined, ['invalid-path']],
  ['MAIL FROM:', undefined, ['missing-brackets', 'invalid-path']],
  ['RCPT TO:<Postmaster>', { address: 'Postmaster', domain: '' }, []],
  [
    'RCPT TO:<c@d> NOTIFY=success,FAILURE ORCPT=rfc822;c+2Bx@d',
    { notify: ['SUCCESS', 'FAILURE'], orcpt: { addressType: 'rfc822', address: 'c+x@d' } },
    [],
  ],
  ['RCPT TO:<c@d> NOTIFY=NEVER', { notify: ['NEVER'] }, []],
  [
    'RCPT TO:<c@d> ORCPT=utf-8;j\\x{F6}ran@d',
    { orcpt: { addressType: 'utf-8', address: 'j\\x{F6}ran@d' } },
    [],
  ],
  ['RCPT TO:<c@d> ORCPT=rfc822', { orcpt: undefined }, ['invalid-parameter']],
  ['RCPT TO: <c@d>', { address: 'c@d' }, ['space-before-path']],
];

const bdatTable: [string, { size: number; last: boolean } | undefined, string[]][] = [
  ['BDAT 1000', { size: 1000, last: false }, []],
  ['BDAT 0 LAST', { size: 0, last: true }, []],
  ['bdat 12 last', { size: 12, last: true }, []],
  ['BDAT', undefined, ['invalid-bdat']],
  ['BDAT -1', undefined, ['invalid-bdat']],
  ['BDAT 10 FIRST', undefined, ['invalid-bdat']],
  ['BDAT 1234567890123456', undefined, ['invalid-bdat']],
];

describe('conformance table', () => {
  it.each(table)('%s', (line, envelope, issues) => {
    const parsed = command(line);
    expect(parsed.issues).toEqual(issues);
    if (envelope === undefined) expect(parsed.envelope).toBeUndefined();
    else {
      for (const [key, value] of Object.entries(envelope)) {
        expect(parsed.envelope?.[key as keyof typeof parsed.envelope], key).toEqual(value);
      }
    }
  });

  it.each(bdatTable)('%s', (line, bdat, issues) => {
    const parsed = command(line);
    expect(parsed.bdat).toEqual(bdat);
    expect(parsed.issues).toEqual(issues);
  });

  it.each([
    ['NOOP\0', ['nul']],
    ['NO\rOP', ['bare-cr']],
    ['', ['empty-line']],
  ])('reports %j', (line, issues) => {
    expect(command(line).issues).toEqual(issues);
  });

  it('reports invalid UTF-8 and keeps the raw bytes', () => {
    const raw = Buffer.from([0x4e, 0x4f, 0x4f, 0x50, 0x20, 0xff, 0xfe, 0x0d, 0x0a]);
    const [event] = new CommandParser().push(raw);
    expect(event).toMatchObject({
      type: 'command',
      command: { verb: 'NOOP', issues: ['invalid-utf8'], raw },
    });
  });

  it('does not treat DATA with an argument or STARTTLS with an argument as a mode switch', () => {
    const parser = new CommandParser();
    parser.push(Buffer.from('DATA x\r\nSTARTTLS now\r\n'));
    expect(parser.mode).toBe('command');
  });
});
