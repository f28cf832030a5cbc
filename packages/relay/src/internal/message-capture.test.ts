import { describe, expect, it } from 'vitest';
import {
  createMessageCapture,
  DEFAULT_MAX_CONTENT_BYTES,
  MAX_HEADER_BYTES,
  MessageCapture,
  parseHeaders,
  recaptured,
  resolveCaptureOptions,
} from './message-capture';

const message = [
  'From: Alice <alice@example.org>',
  'Subject: a long subject',
  '\tfolded once',
  '  and twice',
  'Message-ID: <unique-1@example.org>',
  'X-Empty:',
  '',
  '.leading dot line',
  'Subject: not a header, in the body',
  '..two dots',
  '',
].join('\r\n');
/** `message` as DATA carries it (RFC 5321 4.5.2 dot-stuffing). */
const stuffed = message.replace(/^\./gm, '..');
const expectedHeaders = [
  { name: 'From', value: 'Alice <alice@example.org>' },
  { name: 'Subject', value: 'a long subject\tfolded once  and twice' },
  { name: 'Message-ID', value: '<unique-1@example.org>' },
  { name: 'X-Empty', value: '' },
];

/** Feeds `wire` in pieces cut at `cuts` (indexes) and takes the message. */
function capture(
  wire: string,
  cuts: number[],
  { full = true, max = 1_000_000, stuffed = true } = {},
) {
  const bytes = Buffer.from(wire, 'utf8');
  const capturer = new MessageCapture(full, max);
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    capturer.write(bytes.subarray(from, cut), stuffed);
    from = cut;
  }
  return capturer.take();
}

const everySplit = (wire: string) =>
  Array.from({ length: Buffer.byteLength(wire) + 1 }, (_, i) => [i]);
const oneByteAtATime = (wire: string) =>
  Array.from({ length: Buffer.byteLength(wire) }, (_, i) => i + 1);

describe('MessageCapture', () => {
  it('keeps the unstuffed content and the unfolded header fields of DATA, at every split point', () => {
    for (const cuts of [...everySplit(stuffed), oneByteAtATime(stuffed)]) {
      expect(capture(stuffed, cuts)).toEqual({
        headers: expectedHeaders,
        content: message,
        contentTruncated: false,
      });
    }
  });

  it('keeps BDAT octets as they are (no dot-unstuffing), at every split point', () => {
    for (const cuts of everySplit(message)) {
      expect(capture(message, cuts, { stuffed: false })).toEqual({
        headers: expectedHeaders,
        content: message,
        contentTruncated: false,
      });
    }
  });

  it('at headers level keeps only the header block', () => {
    for (const cuts of [...everySplit(stuffed), oneByteAtATime(stuffed)]) {
      expect(capture(stuffed, cuts, { full: false })).toEqual({ headers: expectedHeaders });
    }
  });

  it('ends the header block at a bare-LF empty line too, and across a CR/LF split', () => {
    const bare = 'Subject: s\n\nX-Body: b\n';
    for (const cuts of everySplit(bare))
      expect(capture(bare, cuts, { full: false })?.headers).toEqual([
        { name: 'Subject', value: 's' },
      ]);
    const crlf = 'A: 1\r\n\r\nB: 2\r\n';
    for (const cuts of everySplit(crlf))
      expect(capture(crlf, cuts, { full: false })?.headers).toEqual([{ name: 'A', value: '1' }]);
  });

  it('takes a message without a body (no empty line) as all headers', () => {
    expect(capture('A: 1\r\nB: 2\r\n', [3], { full: false })?.headers).toEqual([
      { name: 'A', value: '1' },
      { name: 'B', value: '2' },
    ]);
  });

  it('decodes UTF-8 header values and content (RFC 6532)', () => {
    const wire = 'Subject: Grüße 📬\r\n\r\nHallo Welt ✓\r\n';
    for (const cuts of everySplit(wire))
      expect(capture(wire, cuts)).toMatchObject({
        headers: [{ name: 'Subject', value: 'Grüße 📬' }],
        content: wire,
      });
  });

  it('keeps at most maxContentBytes of content and says it was truncated', () => {
    const body = 'x'.repeat(100);
    const wire = `Subject: s\r\n\r\n${body}`;
    expect(capture(wire, [5, 50], { max: 20 })).toEqual({
      headers: [{ name: 'Subject', value: 's' }],
      content: wire.slice(0, 20),
      contentTruncated: true,
    });
    const length = Buffer.byteLength(wire);
    expect(capture(wire, [5, 50], { max: length })?.contentTruncated).toBe(false);
    expect(capture(wire, [5, 50], { max: length - 1 })?.contentTruncated).toBe(true);
  });

  it('counts the limit after dot-unstuffing', () => {
    const wire = 'A: 1\r\n\r\n..x\r\n';
    const unstuffed = 'A: 1\r\n\r\n.x\r\n';
    expect(capture(wire, [], { max: Buffer.byteLength(unstuffed) })).toMatchObject({
      content: unstuffed,
      contentTruncated: false,
    });
  });

  it('never cuts a UTF-8 character in two at the limit', () => {
    const wire = 'A: 1\r\n\r\n✓✓';
    // "✓" is 3 bytes: a limit inside the second one keeps only the first.
    expect(capture(wire, [], { max: Buffer.byteLength('A: 1\r\n\r\n✓') + 2 })).toMatchObject({
      content: 'A: 1\r\n\r\n✓',
      contentTruncated: true,
    });
  });

  it('keeps at most 64 KiB of header block, cut at its last whole field', () => {
    const line = `X-Filler: ${'f'.repeat(990)}\r\n`;
    const count = Math.ceil((2 * MAX_HEADER_BYTES) / line.length);
    const wire = `Message-ID: <first@example.org>\r\n${line.repeat(count)}\r\nbody\r\n`;
    const capturer = new MessageCapture(false, 0);
    const bytes = Buffer.from(wire);
    for (let at = 0; at < bytes.length; at += 1000)
      capturer.write(bytes.subarray(at, at + 1000), true);
    const headers = capturer.take()?.headers ?? [];
    expect(headers[0]).toEqual({ name: 'Message-ID', value: '<first@example.org>' });
    const kept = headers.reduce((sum, h) => sum + h.name.length + h.value.length + 4, 0);
    expect(kept).toBeLessThanOrEqual(MAX_HEADER_BYTES);
    expect(kept).toBeGreaterThan(MAX_HEADER_BYTES - line.length);
    expect(headers.every((h) => h.name !== 'X-Filler' || h.value.length === 990)).toBe(true);
  });

  it('keeps memory bounded for a message far past the limits', () => {
    const capturer = new MessageCapture(true, 1000);
    const chunk = Buffer.alloc(65_536, 'y');
    capturer.write(Buffer.from('Subject: big\r\n\r\n'), true);
    for (let i = 0; i < 256; i++) capturer.write(chunk, true); // 16 MiB
    const taken = capturer.take();
    expect(taken?.content).toHaveLength(1000);
    expect(taken?.contentTruncated).toBe(true);
  });

  it('starts afresh after take, and gives nothing when no data came', () => {
    const capturer = new MessageCapture(true, 100);
    expect(capturer.take()).toBeUndefined();
    capturer.write(Buffer.from('A: 1\r\n\r\nbody one\r\n.'), true);
    capturer.take();
    // The unstuffer state starts over too: the dot at the chunk start begins a new message.
    capturer.write(Buffer.from('..B: 2\r\n'), true);
    expect(capturer.take()).toMatchObject({ content: '.B: 2\r\n' });
    expect(capturer.take()).toBeUndefined();
  });
});

describe('parseHeaders', () => {
  it('skips lines without a colon and drops an unfinished last line', () => {
    expect(parseHeaders(Buffer.from('From sender Mon\r\nA : 1\r\n continued\r\nB: cut'))).toEqual([
      { name: 'A', value: '1 continued' },
    ]);
  });
});

describe('recaptured', () => {
  it('passes a replacement through and captures it instead of what came before', async () => {
    const capturer = new MessageCapture(true, 100);
    capturer.write(Buffer.from('Subject: original\r\n\r\n'), true);
    const replacement = async function* () {
      yield Buffer.from('Subject: repl');
      yield new Uint8Array(Buffer.from('aced\r\n\r\n.dot\r\n'));
    };
    const passed: string[] = [];
    for await (const chunk of recaptured(replacement(), capturer))
      passed.push(Buffer.from(chunk).toString());
    expect(passed.join('')).toBe('Subject: replaced\r\n\r\n.dot\r\n');
    expect(capturer.take()).toMatchObject({
      headers: [{ name: 'Subject', value: 'replaced' }],
      content: 'Subject: replaced\r\n\r\n.dot\r\n',
    });
  });
});

describe('capture options', () => {
  it('default to envelope, where a session captures nothing', () => {
    const resolved = resolveCaptureOptions(undefined);
    expect(resolved).toEqual({ level: 'envelope', maxContentBytes: DEFAULT_MAX_CONTENT_BYTES });
    expect(createMessageCapture(resolved)).toBeUndefined();
    expect(createMessageCapture(resolveCaptureOptions({ level: 'headers' }))).toBeInstanceOf(
      MessageCapture,
    );
  });

  it('refuse an unknown level or a bad limit with a coded error', () => {
    for (const bad of [
      { level: 'body' as 'full' },
      { level: 'full' as const, maxContentBytes: -1 },
      { level: 'full' as const, maxContentBytes: 1.5 },
    ])
      expect(() => resolveCaptureOptions(bad)).toThrow(
        expect.objectContaining({ code: 'WARP_ERR_RELAY_CAPTURE_OPTIONS' }),
      );
  });
});
