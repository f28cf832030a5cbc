import { type Reply, ReplyParser } from '@warp/smtp-parser';
import { describe, expect, it } from 'vitest';
import { hasCapability, removeCapabilities, replyBytes } from './remove-capabilities';

/** EHLO replies as providers and MTAs send them (see README: which are captured, which reconstructed). */
const providers = {
  gmail:
    '250-mx.google.com at your service, [192.0.2.10]\r\n250-SIZE 157286400\r\n250-8BITMIME\r\n250-STARTTLS\r\n250-ENHANCEDSTATUSCODES\r\n250-PIPELINING\r\n250-CHUNKING\r\n250 SMTPUTF8\r\n',
  outlook:
    '250-AM4PEPF00027A5F.mail.protection.outlook.com Hello [192.0.2.10]\r\n250-SIZE 157286400\r\n250-PIPELINING\r\n250-DSN\r\n250-ENHANCEDSTATUSCODES\r\n250-STARTTLS\r\n250-8BITMIME\r\n250-BINARYMIME\r\n250-CHUNKING\r\n250 SMTPUTF8\r\n',
  yahoo:
    '250-mtaproxy309.free.mail.ne1.yahoo.com\r\n250-PIPELINING\r\n250-SIZE 41943040\r\n250-8BITMIME\r\n250 STARTTLS\r\n',
  exim: '250-mx.exim.example Hello client.example [192.0.2.10]\r\n250-SIZE 52428800\r\n250-8BITMIME\r\n250-PIPELINING\r\n250-PIPECONNECT\r\n250-CHUNKING\r\n250-STARTTLS\r\n250-PRDR\r\n250 HELP\r\n',
  /** Captured from Postfix 3.7.11 (see @warp/smtp-parser fixtures). */
  postfix:
    '250-mx.warp.test\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-VRFY\r\n250-ETRN\r\n250-STARTTLS\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250-DSN\r\n250-SMTPUTF8\r\n250 CHUNKING\r\n',
};

function reply(text: string): Reply {
  const [event] = new ReplyParser().push(Buffer.from(text, 'latin1'));
  if (event?.type !== 'reply') throw new Error(`not one reply: ${text}`);
  return event.reply;
}

/** Expected output: the input without the named lines, last line with a space. */
function without(text: string, ...keywords: string[]): string {
  const lines = text
    .split(/(?<=\n)/)
    .filter((line) => !keywords.some((k) => line.slice(4).toUpperCase().startsWith(k)));
  return lines
    .map((line, i) => (i === lines.length - 1 ? `${line.slice(0, 3)} ${line.slice(4)}` : line))
    .join('');
}

describe('removeCapabilities', () => {
  it.each([
    ['gmail', ['STARTTLS'], ['STARTTLS']],
    ['gmail', ['STARTTLS', 'CHUNKING', 'BINARYMIME', 'REQUIRETLS'], ['STARTTLS', 'CHUNKING']],
    ['outlook', ['STARTTLS', 'CHUNKING', 'BINARYMIME'], ['STARTTLS', 'BINARYMIME', 'CHUNKING']],
    ['outlook', ['SMTPUTF8', 'CHUNKING'], ['CHUNKING', 'SMTPUTF8']],
    ['yahoo', ['STARTTLS'], ['STARTTLS']],
    ['exim', ['STARTTLS', 'PIPECONNECT', 'CHUNKING'], ['PIPECONNECT', 'CHUNKING', 'STARTTLS']],
    ['exim', ['HELP', 'PRDR'], ['PRDR', 'HELP']],
    ['postfix', ['STARTTLS', 'CHUNKING'], ['STARTTLS', 'CHUNKING']],
    ['postfix', ['PIPELINING'], ['PIPELINING']],
  ] as const)('removes from %s %j', (provider, keywords, removed) => {
    const text = providers[provider];
    const result = removeCapabilities(reply(text), keywords);
    expect(result.removed).toEqual(removed);
    expect(result.bytes.toString('latin1')).toBe(without(text, ...removed));
    const again = reply(result.bytes.toString('latin1'));
    expect(again.issues).toEqual([]);
    for (const keyword of removed) expect(hasCapability(again, keyword)).toBe(false);
  });

  it.each([
    [
      'the first extension',
      '250-mx\r\n250-STARTTLS\r\n250-SIZE 1\r\n250 8BITMIME\r\n',
      '250-mx\r\n250-SIZE 1\r\n250 8BITMIME\r\n',
    ],
    [
      'a middle one',
      '250-mx\r\n250-SIZE 1\r\n250-STARTTLS\r\n250 8BITMIME\r\n',
      '250-mx\r\n250-SIZE 1\r\n250 8BITMIME\r\n',
    ],
    ['the last one', '250-mx\r\n250-SIZE 1\r\n250 STARTTLS\r\n', '250-mx\r\n250 SIZE 1\r\n'],
    ['the only one', '250-mx greets you\r\n250 STARTTLS\r\n', '250 mx greets you\r\n'],
    [
      'the last two',
      '250-mx\r\n250-SIZE 1\r\n250-STARTTLS\r\n250 CHUNKING\r\n',
      '250-mx\r\n250 SIZE 1\r\n',
    ],
    [
      'a lower-case keyword',
      '250-mx\r\n250-starttls\r\n250 SIZE 1\r\n',
      '250-mx\r\n250 SIZE 1\r\n',
    ],
    [
      'the old AUTH= form with AUTH',
      '250-mx\r\n250-AUTH PLAIN\r\n250-AUTH=PLAIN\r\n250 SIZE 1\r\n',
      '250-mx\r\n250 SIZE 1\r\n',
    ],
    ['with bare LF endings kept', '250-mx\n250-STARTTLS\n250 SIZE 1\n', '250-mx\n250 SIZE 1\n'],
    [
      'keeping odd spacing byte-identical',
      '250-mx  x \r\n250-SIZE   1\r\n250 STARTTLS\r\n',
      '250-mx  x \r\n250 SIZE   1\r\n',
    ],
  ])('re-emits correct continuation when removing %s', (_case, input, output) => {
    const result = removeCapabilities(reply(input), ['STARTTLS', 'CHUNKING', 'AUTH']);
    expect(result.bytes.toString('latin1')).toBe(output);
  });

  it('leaves the greeting line even when it looks like a keyword', () => {
    const result = removeCapabilities(reply('250-STARTTLS\r\n250 SIZE 1\r\n'), ['STARTTLS']);
    expect(result).toEqual({ bytes: Buffer.from('250-STARTTLS\r\n250 SIZE 1\r\n'), removed: [] });
  });

  it('returns the bytes unchanged when nothing matches', () => {
    const input = reply(providers.gmail);
    const result = removeCapabilities(input, ['REQUIRETLS']);
    expect(result.removed).toEqual([]);
    expect(result.bytes.equals(Buffer.from(providers.gmail))).toBe(true);
  });

  it('leaves a reply that is not a 250 EHLO reply alone', () => {
    const text = '554-5.7.1 no\r\n554 5.7.1 STARTTLS\r\n';
    expect(removeCapabilities(reply(text), ['STARTTLS']).bytes.toString()).toBe(text);
  });

  it('writes a continuation dash after a bare code that is no longer last', () => {
    expect(
      removeCapabilities(reply('250-mx\r\n250\r\n250 STARTTLS\r\n'), ['STARTTLS']).bytes.toString(),
    ).toBe('250-mx\r\n250\r\n');
    const parsed = reply('250-mx\r\n250-\r\n250-STARTTLS\r\n250 SIZE 1\r\n');
    expect(removeCapabilities(parsed, ['STARTTLS']).bytes.toString()).toBe(
      '250-mx\r\n250-\r\n250 SIZE 1\r\n',
    );
  });

  it('gives back the wire bytes of a reply however its lines arrived', () => {
    for (const text of Object.values(providers)) {
      const bytes = Buffer.from(text, 'latin1');
      for (let split = 0; split <= bytes.length; split++) {
        const parser = new ReplyParser();
        const events = [
          ...parser.push(bytes.subarray(0, split)),
          ...parser.push(bytes.subarray(split)),
        ];
        const parsed = (events[0] as { reply: Reply }).reply;
        expect(replyBytes(parsed).equals(bytes), `split at ${split}`).toBe(true);
      }
    }
  });

  it('does not change the reply it was given', () => {
    const input = reply(providers.yahoo);
    removeCapabilities(input, ['STARTTLS']);
    expect(replyBytes(input).toString()).toBe(providers.yahoo);
  });
});
