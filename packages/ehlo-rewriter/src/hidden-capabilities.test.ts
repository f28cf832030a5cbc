import { type Reply, ReplyParser } from '@warp/smtp-parser';
import { describe, expect, it } from 'vitest';
import { hiddenCapabilities, rewriteEhloForClient } from './hidden-capabilities';

function reply(text: string): Reply {
  const [event] = new ReplyParser().push(Buffer.from(text));
  if (event?.type !== 'reply') throw new Error('not one reply');
  return event.reply;
}

const exim =
  '250-mx.exim.example Hello client.example [192.0.2.10]\r\n250-SIZE 52428800\r\n250-8BITMIME\r\n250-PIPELINING\r\n250-PIPECONNECT\r\n250-CHUNKING\r\n250-STARTTLS\r\n250-PRDR\r\n250 HELP\r\n';
const afterTls =
  '250-mx.example\r\n250-PIPELINING\r\n250-SIZE 35882577\r\n250-8BITMIME\r\n250-REQUIRETLS\r\n250-BINARYMIME\r\n250-CHUNKING\r\n250 SMTPUTF8\r\n';

describe('hiddenCapabilities', () => {
  it('hides STARTTLS, REQUIRETLS, PIPECONNECT always and CHUNKING, BINARYMIME unless BDAT is relayed', () => {
    expect([...hiddenCapabilities()]).toEqual([
      'STARTTLS',
      'REQUIRETLS',
      'PIPECONNECT',
      'CHUNKING',
      'BINARYMIME',
    ]);
    expect([...hiddenCapabilities({ relaysBdat: true })]).toEqual([
      'STARTTLS',
      'REQUIRETLS',
      'PIPECONNECT',
    ]);
    expect(hiddenCapabilities({ relaysBdat: true, extra: ['smtputf8'] }).has('SMTPUTF8')).toBe(
      true,
    );
  });
});

describe('rewriteEhloForClient', () => {
  it('rewrites an Exim MX reply for a relay that does not carry BDAT', () => {
    const { bytes, removed } = rewriteEhloForClient(reply(exim));
    expect(removed).toEqual(['PIPECONNECT', 'CHUNKING', 'STARTTLS']);
    expect(bytes.toString()).toBe(
      '250-mx.exim.example Hello client.example [192.0.2.10]\r\n250-SIZE 52428800\r\n250-8BITMIME\r\n250-PIPELINING\r\n250-PRDR\r\n250 HELP\r\n',
    );
  });

  it('keeps CHUNKING for a relay that counts BDAT octets, and drops REQUIRETLS after TLS', () => {
    const { bytes, removed } = rewriteEhloForClient(reply(afterTls), { relaysBdat: true });
    expect(removed).toEqual(['REQUIRETLS']);
    expect(bytes.toString()).toBe(afterTls.replace('250-REQUIRETLS\r\n', ''));
  });
});
