import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ClientEvent, DataEndEvent } from './client-event';
import type { Command } from './command';
import { canonical, feedClient, feedServer, splitings } from './internal/split-feed';
import { parseEhloReply } from './parse-ehlo-reply';
import { PipelineQueue } from './pipeline-queue';
import type { Reply } from './reply';
import type { ServerEvent } from './reply-event';

const dir = new URL('./__fixtures__/', import.meta.url);
const read = (file: string) => readFileSync(new URL(file, dir));
const has = (file: string) => existsSync(new URL(file, dir));

/** The client answers every DATA with startData(): each fixture's DATA got a 354 (checked below). */
const startData = (parser: import('./command-parser').CommandParser, event: ClientEvent) =>
  event.type === 'command' && event.command.verb === 'DATA' ? parser.startData() : undefined;

function clientEverySplit(input: Buffer): ClientEvent[] {
  const whole = feedClient([input], {}, startData);
  const expected = canonical(whole);
  for (const { name, chunks } of splitings(input))
    expect(canonical(feedClient(chunks, {}, startData)), name).toBe(expected);
  return whole;
}

function serverEverySplit(input: Buffer): ServerEvent[] {
  const whole = feedServer([input]);
  const expected = canonical(whole);
  for (const { name, chunks } of splitings(input))
    expect(canonical(feedServer(chunks)), name).toBe(expected);
  return whole;
}

/** Replays one leg (plaintext or after TLS) and returns `[request, reply code]` pairs matched through a PipelineQueue. */
function exchanges(c2s: Buffer, s2c: Buffer, greeting: boolean): [string, number][] {
  const client = clientEverySplit(c2s);
  const server = serverEverySplit(s2c);
  for (const event of [...client, ...server]) {
    expect([
      'command',
      'data',
      'data-end',
      'bdat-data',
      'bdat-end',
      'reply',
      'bytes-discarded',
    ]).toContain(event.type);
    if (event.type === 'command') expect(event.command.issues).toEqual([]);
    if (event.type === 'reply') expect(event.reply.issues).toEqual([]);
  }
  const replies: Reply[] = server.flatMap((e) => (e.type === 'reply' ? [e.reply] : []));
  const queue = new PipelineQueue<Command | DataEndEvent>();
  for (const event of client) {
    if (event.type === 'command') queue.push(event.command);
    if (event.type === 'data-end') queue.push(event);
  }
  if (greeting) expect(replies.shift()?.code).toBe(220);
  const pairs = replies.map((reply): [string, number] => {
    const request = queue.settle(reply)?.request;
    return [request && 'verb' in request ? request.verb : String(request?.type), reply.code];
  });
  expect(queue.size).toBe(0);
  return pairs;
}

function session(name: string): [string, number][] {
  const plain = exchanges(read(`${name}.c2s`), read(`${name}.s2c`), true);
  if (!has(`${name}.tls.c2s`)) return plain;
  return [
    ...plain,
    ['TLS', 0],
    ...exchanges(read(`${name}.tls.c2s`), read(`${name}.tls.s2c`), false),
  ];
}

describe('captured sessions', () => {
  it('replays Postfix to Postfix with STARTTLS, PIPELINING and SMTPUTF8', () => {
    expect(session('postfix-to-postfix-starttls')).toEqual([
      ['EHLO', 250],
      ['STARTTLS', 220],
      ['TLS', 0],
      ['EHLO', 250],
      ['MAIL', 250],
      ['RCPT', 250],
      ['DATA', 354],
      ['data-end', 250],
      ['QUIT', 221],
    ]);
    const [, mail, rcpt] = feedClient([read('postfix-to-postfix-starttls.tls.c2s')], {
      autoStartData: true,
    });
    expect(mail).toMatchObject({
      command: {
        envelope: {
          address: 'jöran@sender.warp.test',
          smtputf8: true,
          body: '8BITMIME',
          utf8: true,
        },
      },
    });
    expect(rcpt).toMatchObject({
      command: {
        envelope: {
          domain: 'bücher.example',
          orcpt: { addressType: 'utf-8', address: 'm\\x{FC}ller@b\\x{FC}cher.example' },
        },
      },
    });
  });

  it.each(['postfix-to-postfix-starttls-2', 'postfix-to-postfix-starttls-3'])(
    'replays %s with two recipients and dot-stuffed lines',
    (name) => {
      expect(session(name).map(([verb]) => verb)).toEqual([
        'EHLO',
        'STARTTLS',
        'TLS',
        'EHLO',
        'MAIL',
        'RCPT',
        'RCPT',
        'DATA',
        'data-end',
        'QUIT',
      ]);
      const body = feedClient([read(`${name}.tls.c2s`)], {
        autoStartData: true,
        unstuff: true,
      }).flatMap((e) => (e.type === 'data' ? [e.content] : []));
      expect(Buffer.concat(body).toString()).toContain('\r\n.leading dot\r\n..two dots\r\n');
    },
  );

  it('discards what a client would send in plaintext after STARTTLS', () => {
    const events = feedClient([
      Buffer.concat([read('postfix-to-postfix-starttls.c2s'), Buffer.from('MAIL FROM:<x@y>\r\n')]),
    ]);
    expect(events[events.length - 1]).toMatchObject({
      type: 'bytes-discarded',
      reason: 'after-starttls',
      length: 17,
    });
  });

  it('replays smtp-source to smtp-sink: three pipelined transactions on one connection', () => {
    const transaction = [
      ['MAIL', 250],
      ['RCPT', 250],
      ['RCPT', 250],
      ['DATA', 354],
      ['data-end', 250],
    ];
    expect(session('smtp-source-multi')).toEqual([
      ['HELO', 250],
      ...transaction,
      ...transaction,
      ...transaction,
      ['QUIT', 221],
    ]);
  });

  it('replays Exim sending BDAT LAST pipelined with MAIL, RCPT, the body and QUIT', () => {
    expect(session('exim-bdat')).toEqual([
      ['EHLO', 250],
      ['MAIL', 250],
      ['RCPT', 250],
      ['BDAT', 250],
      ['QUIT', 221],
    ]);
    const events = feedClient([read('exim-bdat.c2s')]);
    const chunk = Buffer.concat(events.flatMap((e) => (e.type === 'bdat-data' ? [e.content] : [])));
    expect(chunk.length).toBe(358);
    expect(chunk.toString()).toMatch(/\r\n\.a line with a dot\r\n$/);
    expect(events.filter((e) => e.type === 'bdat-end')).toMatchObject([{ size: 358, last: true }]);
  });
});

describe('reconstructed sessions', () => {
  it('replays two pipelined BDAT chunks whose octets look like commands', () => {
    expect(session('bdat-pipelined')).toEqual([
      ['EHLO', 250],
      ['MAIL', 250],
      ['RCPT', 250],
      ['BDAT', 250],
      ['BDAT', 250],
      ['QUIT', 221],
    ]);
    const events = feedClient([read('bdat-pipelined.c2s')]);
    const chunks = events.flatMap((e) => (e.type === 'bdat-data' ? [e.content.toString()] : []));
    expect(chunks).toEqual(['Subject: x\r\n\r\nBDAT 1\r\n\r\n', '.\r\n\r\n.\r\nQUIT\r\n']);
  });
});

describe('reconstructed provider EHLO replies', () => {
  it.each([
    [
      'ehlo-gmail',
      'mx.google.com',
      ['SIZE', '8BITMIME', 'STARTTLS', 'ENHANCEDSTATUSCODES', 'PIPELINING', 'CHUNKING', 'SMTPUTF8'],
    ],
    [
      'ehlo-outlook',
      'AM4PEPF00027A5F.mail.protection.outlook.com',
      [
        'SIZE',
        'PIPELINING',
        'DSN',
        'ENHANCEDSTATUSCODES',
        'STARTTLS',
        '8BITMIME',
        'BINARYMIME',
        'CHUNKING',
        'SMTPUTF8',
      ],
    ],
    [
      'ehlo-yahoo',
      'mtaproxy309.free.mail.ne1.yahoo.com',
      ['PIPELINING', 'SIZE', '8BITMIME', 'STARTTLS'],
    ],
    [
      'ehlo-exim',
      'mx.exim.example',
      ['SIZE', '8BITMIME', 'PIPELINING', 'PIPECONNECT', 'CHUNKING', 'STARTTLS', 'PRDR', 'HELP'],
    ],
  ])('parses %s at every split point', (name, domain, keywords) => {
    const replies = serverEverySplit(read(`${name}.s2c`)).flatMap((e) =>
      e.type === 'reply' ? [e.reply] : [],
    );
    expect(replies.map((r) => r.code)).toEqual([220, 250]);
    const ehlo = parseEhloReply(replies[1]!);
    expect(ehlo?.domain).toBe(domain);
    expect([...(ehlo?.capabilities.keys() ?? [])]).toEqual(keywords);
  });
});
