import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ClientEvent } from './client-event';
import { CommandParser } from './command-parser';
import { feedClient, feedServer, mergeContent } from './internal/split-feed';
import { ReplyParser } from './reply-parser';
import { serializeCommand, serializeMailFrom } from './serialize-command';
import { serializeReply } from './serialize-reply';
import { decodeXtext, encodeXtext } from './xtext';

/** Each property runs until numRuns or this many ms, whichever comes first (a budget, not an assertion). */
const budget = { numRuns: 2000, interruptAfterTimeLimit: 3000 };
const noLineBreak = (s: string) => !/[\r\n]/.test(s);
const text = fc.string({ unit: 'grapheme', maxLength: 40 }).filter(noLineBreak);
const bytes = fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a));
/** Bytes rich in the characters that matter to SMTP framing. */
const framingBytes = fc
  .array(
    fc.constantFrom(
      ...[
        '\r',
        '\n',
        '.',
        'A',
        ' ',
        '\r\n',
        '\r\n.\r\n',
        'DATA\r\n',
        'BDAT 3\r\n',
        'STARTTLS\r\n',
        '\0',
        '\xff',
      ],
    ),
    { maxLength: 60 },
  )
  .map((parts) => Buffer.from(parts.join(''), 'latin1'));

function cut(input: Buffer, points: number[]): Buffer[] {
  const sorted = [...new Set(points.map((p) => p % (input.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const at of [...sorted, input.length]) {
    chunks.push(input.subarray(from, at));
    from = at;
  }
  return chunks;
}

describe('properties', () => {
  it('parses a serialized command back to its verb and argument', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Z]{1,10}$/), text, (verb, argument) => {
        const [event] = new CommandParser().push(serializeCommand({ verb, argument }));
        expect(event).toMatchObject({
          type: 'command',
          command: { verb, argument, issues: argument === '' ? [] : expect.any(Array) },
        });
        expect(
          event?.type === 'command' && event.command.issues.filter((i) => i !== 'nul'),
        ).toEqual([]);
      }),
      budget,
    );
  });

  it('parses a serialized MAIL FROM back to its address and parameters', () => {
    const atom = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]{1,12}$/);
    const address = fc.oneof(
      fc.constant(''),
      fc.tuple(atom, atom).map(([l, d]) => `${l}@${d}.example`),
    );
    const parameter = fc.record({
      keyword: fc.stringMatching(/^[A-Z][A-Z0-9-]{0,8}$/),
      value: fc.option(text.map(encodeXtext), { nil: undefined }),
    });
    fc.assert(
      fc.property(address, fc.array(parameter, { maxLength: 4 }), (addr, parameters) => {
        const [event] = new CommandParser().push(serializeMailFrom({ address: addr, parameters }));
        if (event?.type !== 'command') throw new Error('no command');
        expect(event.command.envelope?.address).toBe(addr);
        expect(event.command.envelope?.parameters).toEqual(parameters);
      }),
      budget,
    );
  });

  it('round-trips xtext', () => {
    fc.assert(
      fc.property(text, (value) => {
        expect(decodeXtext(encodeXtext(value))).toBe(value);
      }),
      budget,
    );
  });

  it('parses a serialized reply back to its code, enhanced code and lines', () => {
    const enhanced = fc.option(fc.tuple(fc.constantFrom(2, 4, 5), fc.nat(999), fc.nat(999)), {
      nil: undefined,
    });
    const line = text.filter((s) => !/^[245]\.\d/.test(s));
    fc.assert(
      fc.property(
        fc.integer({ min: 200, max: 599 }),
        enhanced,
        fc.array(line, { minLength: 1, maxLength: 5 }),
        (code, status, lines) => {
          const enhancedStatus = status && {
            class: status[0],
            subject: status[1],
            detail: status[2],
          };
          const wire = serializeReply({ code, enhanced: enhancedStatus, lines });
          const events = new ReplyParser().push(wire);
          expect(events).toHaveLength(1);
          const reply = events[0]?.type === 'reply' ? events[0].reply : undefined;
          expect(reply?.code).toBe(code);
          expect(reply?.enhanced).toEqual(enhancedStatus);
          expect(reply?.lines.map((l) => l.text)).toEqual(lines);
          expect(reply?.length).toBe(wire.length);
        },
      ),
      budget,
    );
  });

  it('unstuffs dot-stuffed content back to the original and finds the one true end', () => {
    const contentLine = fc.uint8Array({ maxLength: 20 }).map((a) =>
      Buffer.from(a)
        .toString('latin1')
        .replace(/[\r\n]/g, ''),
    );
    fc.assert(
      fc.property(
        fc.array(fc.oneof(contentLine, fc.constant('.'), fc.constant('..x')), { maxLength: 20 }),
        fc.array(fc.nat()),
        (lines, points) => {
          const body = lines.map((l) => `${l}\r\n`).join('');
          const stuffed = lines.map((l) => `${l.startsWith('.') ? '.' : ''}${l}\r\n`).join('');
          const input = Buffer.from(`DATA\r\n${stuffed}.\r\nQUIT\r\n`, 'latin1');
          const events = feedClient(cut(input, points), { unstuff: true, autoStartData: true });
          const content = Buffer.concat(
            events.flatMap((e) => (e.type === 'data' ? [e.content] : [])),
          );
          expect(content.toString('latin1')).toBe(body);
          expect(events.map((e) => e.type).filter((t) => t !== 'data')).toEqual([
            'command',
            'data-end',
            'command',
          ]);
        },
      ),
      budget,
    );
  });

  it('never throws on arbitrary client bytes, cut anywhere, and gives the same events as whole', () => {
    fc.assert(
      fc.property(fc.oneof(bytes, framingBytes), fc.array(fc.nat()), (input, points) => {
        const options = { maxLineLength: 16, autoStartData: true };
        expect(feedClient(cut(input, points), options)).toEqual(feedClient([input], options));
      }),
      budget,
    );
  });

  it('never holds more than the line limit, whatever bytes and mode switches come', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.oneof(bytes, framingBytes),
            fc.constantFrom('none', 'start', 'resume', 'reset'),
          ),
        ),
        (steps) => {
          const parser = new CommandParser({ maxLineLength: 32 });
          const events: ClientEvent[] = [];
          for (const [chunk, action] of steps) {
            events.push(...parser.push(chunk));
            if (action === 'start' && parser.mode === 'data-pending')
              events.push(...parser.startData());
            if (
              action === 'resume' &&
              (parser.mode === 'data-pending' || parser.mode === 'starttls-pending')
            )
              events.push(...parser.resume());
            if (action === 'reset') parser.reset();
            expect(parser.bufferedBytes).toBeLessThanOrEqual(32 + 4);
          }
          for (const event of mergeContent(events)) {
            if (event.type === 'command') expect(event.command.raw.length).toBeLessThanOrEqual(34);
          }
        },
      ),
      budget,
    );
  });

  it('never throws on arbitrary server bytes, holds at most the limit, and ignores how they are cut', () => {
    fc.assert(
      fc.property(fc.oneof(bytes, framingBytes), fc.array(fc.nat()), (input, points) => {
        const parser = new ReplyParser({ maxLineLength: 16 });
        for (const chunk of cut(input, points)) {
          parser.push(chunk);
          expect(parser.bufferedBytes).toBeLessThanOrEqual(17);
        }
        expect(feedServer(cut(input, points), { maxLineLength: 16 })).toEqual(
          feedServer([input], { maxLineLength: 16 }),
        );
      }),
      budget,
    );
  });
});
