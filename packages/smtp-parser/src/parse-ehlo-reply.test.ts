import { describe, expect, it } from 'vitest';
import { feedServer } from './internal/split-feed';
import { parseEhloReply } from './parse-ehlo-reply';
import type { Reply } from './reply';

function reply(text: string): Reply {
  const [event] = feedServer([Buffer.from(text)]);
  if (event?.type !== 'reply') throw new Error('no reply');
  return event.reply;
}

describe('parseEhloReply', () => {
  it('reads the domain, greeting and capability map', () => {
    const ehlo = parseEhloReply(
      reply(
        '250-mx.google.com at your service, [192.0.2.1]\r\n250-SIZE 157286400\r\n250-8BITMIME\r\n250-STARTTLS\r\n250-ENHANCEDSTATUSCODES\r\n250-PIPELINING\r\n250-CHUNKING\r\n250 SMTPUTF8\r\n',
      ),
    );
    expect(ehlo?.domain).toBe('mx.google.com');
    expect(ehlo?.greeting).toBe('at your service, [192.0.2.1]');
    expect([...(ehlo?.capabilities.keys() ?? [])]).toEqual([
      'SIZE',
      '8BITMIME',
      'STARTTLS',
      'ENHANCEDSTATUSCODES',
      'PIPELINING',
      'CHUNKING',
      'SMTPUTF8',
    ]);
    expect(ehlo?.capabilities.get('SIZE')).toEqual(['157286400']);
    expect(ehlo?.extensions[2]).toEqual({ keyword: 'STARTTLS', parameters: [], line: 3 });
  });

  it('upper-cases keywords, keeps parameters and the first of duplicates', () => {
    const ehlo = parseEhloReply(
      reply('250-x\r\n250-auth PLAIN LOGIN\r\n250-AUTH=LOGIN\r\n250 AUTH CRAM-MD5\r\n'),
    );
    expect(ehlo?.capabilities.get('AUTH')).toEqual(['PLAIN', 'LOGIN']);
    expect(ehlo?.capabilities.has('AUTH=LOGIN')).toBe(true);
    expect(ehlo?.extensions).toHaveLength(3);
  });

  it('parses a single-line reply with no extensions', () => {
    expect(parseEhloReply(reply('250 mx.example\r\n'))).toEqual({
      domain: 'mx.example',
      greeting: '',
      capabilities: new Map(),
      extensions: [],
    });
  });

  it('returns undefined for a refusal', () => {
    expect(parseEhloReply(reply('502 5.5.2 Error: command not recognized\r\n'))).toBeUndefined();
  });
});
